"""The production web server (`python -m gymsales.serve`: granian) serves the app: Twilio's
webhooks through the WSGI short path, committed before their 200 (concurrent ones share commits),
and Django's pages."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from django.conf import settings
from django.db import connection

from tests.whatsapp.conftest import webhook_path
from whatsapp.models import WebhookEvent, WebhookEventPending, WhatsAppSettings
from whatsapp.providers.twilio.webhooks import signature_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "5" * 32
TOKEN = "web-server-token"


@pytest.fixture
def server(company):
    """The production command on a free port, on the test database, with 2 threads a process."""
    WhatsAppSettings.objects.filter(company=company).update(
        enabled=True, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=TOKEN
    )
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "WEB_WORKERS": "1",
        "WEB_THREADS": "4",
        "PGAPPNAME": "web-server-test",  # its database connections, told from the suite's
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gymsales.serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base}/accounts/login/", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(process.stderr.read().decode()[-2000:])
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=15)


def _post_delivered(base: str, sid: str) -> int:
    params = {"AccountSid": ACCOUNT_SID, "MessageSid": sid, "MessageStatus": "delivered"}
    url = settings.PUBLIC_BASE_URL + webhook_path("status")
    response = httpx.post(
        base + webhook_path("status"),
        content=urlencode(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature_for(TOKEN, url, params),
        },
        timeout=10,
    )
    return response.status_code


def test_the_production_server_stores_concurrent_webhooks_and_serves_pages(server):
    sids = [f"SM{n:032d}" for n in range(40)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda sid: _post_delivered(server, sid), sids))

    assert statuses == [200] * 40
    connection.close()  # read what the server committed
    with connection.cursor() as cursor:  # its request threads keep no connection; the writer may
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'web-server-test'"
        )
        assert cursor.fetchone()[0] <= 1
    assert sorted(WebhookEvent.objects.values_list("payload__MessageSid", flat=True)) == sids
    assert WebhookEventPending.objects.count() == 40  # no worker here: all still to apply
    assert httpx.get(server + "/accounts/login/", timeout=10).status_code == 200
    unsigned = httpx.post(server + webhook_path("status"), data={"AccountSid": ACCOUNT_SID})
    assert unsigned.status_code == 403
