"""The Twilio adapter's asynchronous Messages create (campaigns): the form Twilio's REST API
takes, built once per campaign, and its answers read as a SID or classified as our
ProviderError (temporary, refused, or an outcome to look up)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import pytest

from tests.campaigns.standin import TwilioStandIn
from whatsapp.providers import Credentials, ProviderError
from whatsapp.providers.twilio.async_client import AsyncMessagesClient, MessagesForm, sid_of

SENDER = Credentials(company_id=1, account_sid="AC1", auth_token="t", sender_number="+14155238886")


def _decoded(form: bytes) -> dict:
    return {k: v[0] for k, v in parse_qs(form.decode(), strict_parsing=True).items()}


def test_the_form_is_twilios_messages_create():
    form = MessagesForm(
        credentials=SENDER, content_sid="HX1", status_callback="https://x.test/cb?a=1"
    )
    assert _decoded(form.encode(to="+447700900123", content='{"1": "Ann & Bo = 100%"}')) == {
        "From": "whatsapp:+14155238886",
        "StatusCallback": "https://x.test/cb?a=1",
        "ContentSid": "HX1",
        "To": "whatsapp:+447700900123",
        "ContentVariables": '{"1": "Ann & Bo = 100%"}',
    }
    service = Credentials(
        company_id=1,
        account_sid="AC1",
        auth_token="t",
        sender_number="",
        messaging_service_sid="MG1",
    )
    plain = MessagesForm(credentials=service, content_sid="", status_callback="")
    assert _decoded(plain.encode(to="+447700900123", content="Hi + bye")) == {
        "MessagingServiceSid": "MG1",
        "To": "whatsapp:+447700900123",
        "Body": "Hi + bye",
    }


@pytest.mark.parametrize(
    ("status", "body", "code", "transient"),
    [
        (400, {"code": 63003, "message": "Invalid number"}, "63003", False),
        (429, {"code": 20429, "message": "Too many requests"}, "20429", True),
        (400, {"code": 63010, "message": "WhatsApp internal error"}, "63010", True),
        (502, "<html>Bad gateway</html>", "", True),
        (201, {"status": "queued"}, "", False),  # accepted without a SID: not taken as sent
    ],
)
def test_answers_other_than_a_sid_are_classified(status, body, code, transient):
    raw = (json.dumps(body) if isinstance(body, dict) else body).encode()
    with pytest.raises(ProviderError) as error:
        sid_of(status, raw)
    assert (error.value.code, error.value.transient, error.value.unknown_outcome) == (
        code,
        transient,
        False,
    )
    assert str(error.value)


def _create(settings, base: str, form: bytes) -> str:
    settings.TWILIO_API_BASE = base
    client = AsyncMessagesClient(credentials=SENDER)

    async def run():
        async with client.session(concurrency=2) as session:
            return await client.create(session, form)

    # In a thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_create_returns_the_sid_twilio_gave(settings):
    standin = TwilioStandIn().start()
    try:
        form = MessagesForm(credentials=SENDER, content_sid="HX1", status_callback="")
        sid = _create(settings, standin.base_url, form.encode(to="+447700900123", content="{}"))
    finally:
        standin.stop()
    assert [m["sid"] for m in standin.messages] == [sid]
    assert standin.messages[0]["to"] == "whatsapp:+447700900123"


def test_twilio_out_of_reach_is_temporary(settings):
    with pytest.raises(ProviderError) as error:
        _create(settings, "http://127.0.0.1:9", b"To=x")
    assert error.value.transient and not error.value.unknown_outcome


def test_a_connection_lost_after_the_request_is_an_outcome_to_look_up(settings):
    """The request went out and the connection closed without an answer: Twilio may have
    accepted it, so it is neither retried nor failed (reconciliation looks it up)."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def answer_nothing():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.close()

    thread = threading.Thread(target=answer_nothing, daemon=True)
    thread.start()
    try:
        with pytest.raises(ProviderError) as error:
            _create(settings, f"http://127.0.0.1:{port}", b"To=x")
    finally:
        thread.join(5)
        server.close()
    assert error.value.unknown_outcome and not error.value.transient
