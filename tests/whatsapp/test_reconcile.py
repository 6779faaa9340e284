"""Claims with a lease, reconciled through the provider (issue 9 item 11): a send whose worker died
between the claim and storing the SID, or whose answer was lost, is looked up at Twilio; its SID is
adopted when Twilio has it, and it is sent again only when Twilio does not.
"""

from __future__ import annotations

import socket
import struct
import threading
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from gymsales.models import Person
from whatsapp import services
from whatsapp.models import Message, MessageStatus
from whatsapp.providers import Credentials, ProviderError, get_backend, locmem
from whatsapp.services.delivery import _claim

pytestmark = pytest.mark.django_db

LOST_ANSWER = ProviderError(
    "connection reset after the request was written",
    code="unknown",
    transient=False,
    unknown_outcome=True,
)


@pytest.fixture
def queued(person, sales_user, wa, template):
    return services.message_send(person=person, user=sales_user, template=template)


def expire_lease(message, settings) -> None:
    """Time passes beyond the claim's lease (the message's times move back by as much)."""
    ago = timedelta(seconds=settings.WHATSAPP_SEND_LEASE_SECONDS + 1)
    Message.objects.filter(pk=message.pk).update(
        claimed_at=F("claimed_at") - ago,
        enqueued_at=F("enqueued_at") - ago,
        created_at=F("created_at") - ago,
    )


def test_an_answer_lost_after_the_request_is_adopted_not_sent_twice(queued, settings):
    locmem.lose_answer_next.append(LOST_ANSWER)
    assert services.message_deliver(message_id=queued.pk).state == "unknown"
    queued.refresh_from_db()
    # not retried, not failed: still claimed, waiting for its lease to end
    assert (queued.status, queued.sid, queued.send_attempts) == ("sending", None, 1)
    assert queued.claimed_at is not None
    assert services.sends_sweep() == ([], [])
    expire_lease(queued, settings)
    assert services.sends_sweep() == ([], [queued.pk])  # eager: reconciled at once
    queued.refresh_from_db()
    assert len(locmem.outbox) == 1
    assert queued.sid == locmem.outbox[0]["sid"]
    assert queued.status == MessageStatus.SENT  # what Twilio's list says


def test_a_worker_killed_after_the_claim_is_sent_again_once(queued, settings):
    # the worker claimed it and died before calling Twilio
    _claim(queued.pk, timezone.now())
    queued.refresh_from_db()
    assert queued.status == MessageStatus.SENDING
    expire_lease(queued, settings)
    assert services.sends_sweep() == ([], [queued.pk])
    queued.refresh_from_db()
    assert [sent["message"].message_id for sent in locmem.outbox] == [queued.pk]
    assert (queued.sid, queued.send_attempts) == (locmem.outbox[0]["sid"], 2)
    # nothing left to reconcile, nothing sent again
    expire_lease(queued, settings)
    assert services.sends_sweep() == ([], [])
    assert len(locmem.outbox) == 1


def test_a_resend_after_reconciliation_rechecks_opt_out(queued, person, settings):
    _claim(queued.pk, timezone.now())
    Person.objects.filter(pk=person.pk).update(whatsapp_opted_out=True)
    expire_lease(queued, settings)
    services.sends_sweep()
    queued.refresh_from_db()
    assert queued.status == MessageStatus.NOT_SENT
    assert locmem.outbox == []


def test_one_reconciliation_at_a_time(queued, settings):
    _claim(queued.pk, timezone.now())
    expire_lease(queued, settings)
    # the first takes the lease over (and requeues: eager tasks are not run by the service)
    locmem.fail_next.append(ProviderError("down", transient=True))
    assert services.message_reconcile(message_id=queued.pk) == "requeued"
    assert services.message_reconcile(message_id=queued.pk) == "skipped"


def test_sent_message_find_matches_text_and_skips_sids_already_ours(
    person, company, wa, sales_user
):
    """The reusable lookup: by recipient, time and text, never a SID another message owns."""
    backend = get_backend(
        credentials=Credentials(
            company_id=company.pk,
            account_sid=wa.twilio_account_sid,
            auth_token=wa.twilio_auth_token,
            sender_number=wa.sender_number,
        )
    )
    since = timezone.now()
    from whatsapp.providers import OutboundMessage

    first = backend.send(OutboundMessage(message_id=1, to=person.phone_mobile, body="Hello"))
    second = backend.send(OutboundMessage(message_id=2, to=person.phone_mobile, body="Hello"))
    other = backend.send(OutboundMessage(message_id=3, to=person.phone_mobile, body="Other"))
    Message.objects.create(
        company=company, person=person, direction="outbound", sid=first.sid, body="Hello"
    )

    def find(body, is_template=False, to=person.phone_mobile):
        return services.sent_message_find(
            backend=backend, to=to, since=since, body=body, is_template=is_template
        )

    assert find("Hello").sid == second.sid
    assert find("Other").sid == other.sid
    assert find("Not sent") is None
    assert find("Rendered differently", is_template=True).sid == second.sid
    assert find("Hello", to="+447700900001") is None


# --- The twilio backend: only a connect error is retried blindly ----------------------------------


@pytest.fixture
def resetting_server():
    """A TCP server that reads the request, then resets the connection without answering."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    stop = threading.Event()
    seen = []

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            seen.append(data.split(b"\r\n", 1)[0].decode())
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # RST

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    stop.set()
    thread.join(timeout=5)
    server.close()


def _twilio_backend(settings, base):
    from whatsapp.providers import twilio as twilio_backend

    settings.TWILIO_API_BASE = base
    twilio_backend.clients_reset()
    return twilio_backend.TwilioBackend(
        credentials=Credentials(
            company_id=1, account_sid="AC" + "3" * 32, auth_token="tok", sender_number="+1415555"
        )
    )


def test_a_reset_after_the_request_was_written_is_reconciled_not_retried(
    settings, resetting_server
):
    from whatsapp.providers import OutboundMessage

    base, seen = resetting_server
    backend = _twilio_backend(settings, base)
    with pytest.raises(ProviderError) as caught:
        backend.send(OutboundMessage(message_id=1, to="+447700900123", body="Hi"))
    assert seen and seen[0].startswith("POST /2010-04-01/Accounts/")
    assert (caught.value.unknown_outcome, caught.value.transient) == (True, False)


def test_a_refused_connection_is_retried(settings):
    from whatsapp.providers import OutboundMessage

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = _twilio_backend(settings, f"http://127.0.0.1:{port}")
    with pytest.raises(ProviderError) as caught:
        backend.send(OutboundMessage(message_id=1, to="+447700900123", body="Hi"))
    assert (caught.value.unknown_outcome, caught.value.transient) == (False, True)
