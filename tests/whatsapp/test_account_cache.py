"""The AccountSid → token cache of the webhooks (issue 9, item 2): shape checked before any lookup,
bounded, and invalidated in every process when a token changes — the Django admin's save included.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.whatsapp.conftest import ACCOUNT_SID, AUTH_TOKEN, SENDER, status_params
from whatsapp.models import WebhookEvent, WhatsAppSettings
from whatsapp.services import accounts
from whatsapp.services.accounts import ACCOUNT_CACHE_SIZE, account_for

ROOT = Path(__file__).resolve().parents[2]
SID = "SM" + "c" * 32


@pytest.mark.parametrize(
    "account_sid",
    [
        "",
        "AC" + "1" * 31,  # one digit short
        "AC" + "1" * 33,
        "AC" + "g" * 32,  # not hex
        "XX" + "1" * 32,
        "AC" + "1" * 32 + "\n",
        "x" * 50_000,  # anything an unauthenticated caller can fit in a body
    ],
)
def test_a_malformed_account_sid_is_403_without_any_lookup(
    db, post_webhook, wa, django_assert_num_queries, account_sid
):
    size = accounts._cached.cache_info().currsize
    params = {**status_params(SID, "delivered"), "AccountSid": account_sid}
    with django_assert_num_queries(0):
        assert account_for(account_sid) is None
    assert post_webhook("status", params).status_code == 403
    assert accounts._cached.cache_info().currsize == size
    assert WebhookEvent.objects.count() == 0


def test_a_well_formed_account_sid_is_looked_up_once_then_cached(db, wa, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert account_for(ACCOUNT_SID).company_id == wa.company_id
    with django_assert_num_queries(0):
        account = account_for(ACCOUNT_SID)
    assert (account.sid, account.auth_token) == (ACCOUNT_SID, AUTH_TOKEN)
    assert AUTH_TOKEN not in repr(account)


def test_the_cache_is_bounded(db, wa):
    for n in range(ACCOUNT_CACHE_SIZE + 100):
        assert account_for(f"AC{n:032x}") is None
    info = accounts._cached.cache_info()
    assert info.maxsize == ACCOUNT_CACHE_SIZE
    assert info.currsize == ACCOUNT_CACHE_SIZE


def test_saving_the_settings_through_the_django_admin_invalidates_the_cache(
    db, client, superuser, post_webhook, wa
):
    assert post_webhook("status", status_params(SID, "sent")).status_code == 200
    client.force_login(superuser)
    url = f"/admin/whatsapp/whatsappsettings/{wa.pk}/change/"
    response = client.post(
        url,
        {
            "company": wa.company_id,
            "enabled": "on",
            "sender_number": SENDER,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": "rotated-token",
            "messaging_service_sid": "",
            "messaging_limit": "250",
            "max_messages_per_second": "1000",
            "suspended_reason": "",
            "sends_held_until_0": "",
            "sends_held_until_1": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert WhatsAppSettings.objects.get(pk=wa.pk).twilio_auth_token == "rotated-token"

    assert post_webhook("status", status_params(SID, "delivered")).status_code == 403
    assert (
        post_webhook("status", status_params(SID, "delivered"), token="rotated-token").status_code
        == 200
    )


_OTHER_PROCESS = """
import sys, django
django.setup()
from whatsapp.services.accounts import account_for
for line in sys.stdin:
    account = account_for(line.strip())
    print(account.auth_token if account else "-", flush=True)
"""


@pytest.fixture
def other_process():
    """Another Django process on the test database, answering account_for(line) per stdin line."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gymsales.settings",
        "DATABASE_URL": f"postgres://{auth}@{host}/{db['NAME']}",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def ask(account_sid: str) -> str:
        process.stdin.write(account_sid + "\n")
        process.stdin.flush()
        return process.stdout.readline().strip()

    yield ask
    process.stdin.close()
    process.wait(timeout=60)


def test_a_token_change_reaches_every_process(transactional_db, company, other_process):
    settings = WhatsAppSettings.objects.get(company=company)
    settings.twilio_account_sid = ACCOUNT_SID
    settings.twilio_auth_token = "first-token"
    settings.save()
    assert other_process(ACCOUNT_SID) == "first-token"  # now cached over there

    settings.twilio_auth_token = "second-token"
    settings.save()  # committed (autocommit): the other process must not keep the old token
    assert other_process(ACCOUNT_SID) == "second-token"

    settings.delete()
    assert other_process(ACCOUNT_SID) == "-"


def test_threads_that_miss_the_cache_together_look_the_account_up_once(db, wa, monkeypatch):
    """Dozens of server threads missing at once (a new minute, a token change) make one query."""
    import threading
    import time

    accounts._cached.cache_clear()
    loads: list[str] = []

    def slow_load(account_sid):
        loads.append(account_sid)
        time.sleep(0.2)  # long enough for every thread to arrive while the first is loading
        return accounts.Account(sid=account_sid, company_id=wa.company_id, auth_token="t")

    monkeypatch.setattr(accounts, "_load", slow_load)
    found = []
    threads = [
        threading.Thread(target=lambda: found.append(account_for(ACCOUNT_SID))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert loads == [ACCOUNT_SID]
    assert [account.company_id for account in found] == [wa.company_id] * 8


def test_a_database_failure_while_finding_the_account_is_503_not_500(
    db, post_webhook, wa, monkeypatch
):
    from django.db import OperationalError

    accounts._cached.cache_clear()

    def down(account_sid):
        raise OperationalError("too many clients already")

    monkeypatch.setattr(accounts, "_load", down)

    assert post_webhook("status", status_params(SID, "delivered")).status_code == 503
    assert WebhookEvent.objects.count() == 0
