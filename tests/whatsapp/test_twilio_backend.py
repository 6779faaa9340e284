"""The twilio backend against the Twilio twin (Prism validates every request; 422 if invalid)."""

import json

import pytest

from whatsapp.providers import Credentials, OutboundMessage, ProviderError, get_backend
from whatsapp.providers.twilio import TwilioBackend

pytestmark = pytest.mark.twin

CREDS = Credentials(
    company_id=1, account_sid="AC" + "3" * 32, auth_token="tok", sender_number="+14155550100"
)
CALLBACK = "https://gymsales.example/webhooks/twilio/whatsapp/status"


@pytest.fixture
def twin(twilio_twin_process, settings):
    base, log = twilio_twin_process
    settings.TWILIO_API_BASE = base
    from whatsapp.providers import twilio as twilio_backend

    twilio_backend.clients_reset()
    return log


def test_template_request_is_valid_and_goes_to_the_twin(twin):
    backend = get_backend(credentials=CREDS, backend="twilio")
    outbound = OutboundMessage(
        message_id=1,
        to="+447700900123",
        content_sid="HX" + "b" * 32,
        content_variables={"1": "Jane", "2": "Central"},
        status_callback=CALLBACK,
    )
    params = backend.message_params(outbound)
    assert params == {
        "to": "whatsapp:+447700900123",
        "from_": "whatsapp:+14155550100",
        "status_callback": CALLBACK,
        "content_sid": "HX" + "b" * 32,
        "content_variables": json.dumps({"1": "Jane", "2": "Central"}),
    }
    result = backend.send(outbound)
    assert result.sid.startswith("SM")
    assert f"/2010-04-01/Accounts/{CREDS.account_sid}/Messages.json" in twin.read_text()


def test_free_text_with_messaging_service(twin):
    creds = Credentials(
        company_id=1,
        account_sid=CREDS.account_sid,
        auth_token="tok",
        sender_number="+14155550100",
        messaging_service_sid="MG" + "c" * 32,
    )
    backend = TwilioBackend(credentials=creds)
    outbound = OutboundMessage(message_id=2, to="+447700900123", body="Hello", status_callback="")
    assert backend.message_params(outbound) == {
        "to": "whatsapp:+447700900123",
        "messaging_service_sid": "MG" + "c" * 32,
        "body": "Hello",
    }
    assert backend.send(outbound).sid.startswith("SM")


def test_unreachable_twilio_is_a_transient_error(settings):
    settings.TWILIO_API_BASE = "http://127.0.0.1:9"
    from whatsapp.providers import twilio as twilio_backend

    twilio_backend.clients_reset()
    backend = TwilioBackend(credentials=CREDS)
    with pytest.raises(ProviderError) as caught:
        backend.send(OutboundMessage(message_id=3, to="+447700900123", body="x"))
    assert caught.value.transient is True
    twilio_backend.clients_reset()


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [
        (500, 20500, True),
        (503, None, True),
        (429, 20429, True),
        (400, 21211, False),
        (400, 63010, True),
    ],
)
def test_rest_errors_are_classified(status, code, transient):
    from twilio.base.exceptions import TwilioRestException

    from whatsapp.providers.twilio import classify_rest_error

    error = classify_rest_error(TwilioRestException(status, "uri", "msg", code=code))
    assert error.transient is transient
    assert error.code == (str(code) if code else "")


def test_messages_lookup_is_a_valid_messages_list_request(twin):
    """Reconciliation's lookup: Messages list filtered by To, From and DateSent> (Prism answers
    422 to a request that does not match Twilio's description)."""
    from datetime import UTC, datetime

    backend = get_backend(credentials=CREDS, backend="twilio")
    found = backend.messages_sent_to(
        to="+447700900123", since=datetime(2026, 12, 6, 1, 2, tzinfo=UTC)
    )
    assert isinstance(found, list)
    assert all(item.sid.startswith(("SM", "MM")) for item in found)
    sent = backend.client.http_client._test_only_last_request
    assert (sent.method, sent.url.split("/2010-04-01")[1]) == (
        "GET",
        f"/Accounts/{CREDS.account_sid}/Messages.json",
    )
    assert {k: v for k, v in sent.params.items() if k != "PageSize"} == {
        "To": "whatsapp:+447700900123",
        "From": "whatsapp:+14155550100",
        "DateSent>": "2026-12-06T01:02:00Z",
    }
