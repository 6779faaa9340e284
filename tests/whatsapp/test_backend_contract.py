"""The backend contract (whatsapp.providers.WhatsAppBackend), every method on every backend:
locmem (tests), console (development) and twilio against the Twilio twin (Prism serving Twilio's
Messages and Content API descriptions: it answers 4xx to a request they do not allow).

The contract takes and gives plain values (payloads and SIDs, never our models)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from whatsapp.models import WebhookEvent
from whatsapp.providers import (
    ContentApproval,
    ContentDraft,
    FoundMessage,
    MediaContent,
    OutboundMessage,
    ProviderError,
    SendResult,
    WhatsAppBackend,
    get_backend,
    locmem,
)
from whatsapp.providers import twilio as twilio_adapter
from whatsapp.selectors import credentials_for

BACKENDS = ["locmem", "console", "twilio"]
TO = "+447700900123"
CALLBACK = "https://gymsales.example/webhooks/twilio/whatsapp/status"
MEDIA_URL = (
    "https://api.twilio.com/2010-04-01/Accounts/AC"
    + "1" * 32
    + "/Messages/MM"
    + "2" * 32
    + "/Media/ME"
    + "3" * 32
    + ".json"
)
DRAFT = ContentDraft(
    name="welcome_7",
    language="en",
    category="utility",
    body="Hi {{1}}, welcome to {{2}}!",
    buttons=({"type": "quick_reply", "text": "Book"},),
    variable_samples={"1": "Jane", "2": "Downtown Club"},
)
# The contract's methods (a new one must be added to this test).
METHODS = {
    "send",
    "after_send",
    "messages_sent_to",
    "fetch_media",
    "content_create",
    "content_submit",
    "content_fetch_approval",
}


@pytest.fixture(scope="session")
def full_twin(start_twin):
    """One Prism for Twilio's Messages (api v2010) and Content (content v1) descriptions."""
    return start_twin("twilio_api_v2010", "twilio_content_v1")[0]


@pytest.fixture(params=BACKENDS)
def backend(request, wa, settings) -> WhatsAppBackend:
    """Each backend with the test company's credentials (twilio: its calls go to the twin)."""
    if request.param == "twilio":
        settings.TWILIO_API_BASE = request.getfixturevalue("full_twin")
        settings.WHATSAPP_MEDIA_ALLOW_HTTP = True
        twilio_adapter.clients_reset()
        request.addfinalizer(twilio_adapter.clients_reset)
    if request.param == "console":
        settings.TWILIO_API_BASE = request.getfixturevalue("full_twin")  # media is Twilio's
    return get_backend(credentials=credentials_for(wa), backend=request.param)


def test_the_contract_is_what_this_test_covers():
    public = {
        name
        for name, member in inspect.getmembers(WhatsAppBackend, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public == METHODS


def test_every_backend_implements_every_method(backend):
    """after_send is optional: a no-op unless the backend plays callbacks."""
    inherited = {
        name for name in METHODS if getattr(type(backend), name) is getattr(WhatsAppBackend, name)
    }
    assert inherited <= {"after_send"}


@pytest.mark.parametrize(
    "outbound",
    [
        OutboundMessage(message_id=1, to=TO, body="Hello there", status_callback=CALLBACK),
        OutboundMessage(
            message_id=2,
            to=TO,
            content_sid="HX" + "b" * 32,
            content_variables={"1": "Jane"},
            status_callback=CALLBACK,
        ),
    ],
    ids=["free_text", "template"],
)
def test_send_returns_the_providers_sid(backend, outbound):
    result = backend.send(outbound)

    assert isinstance(result, SendResult)
    assert result.sid.startswith("SM") and len(result.sid) == 34
    assert result.status


def test_after_send_plays_callbacks_only_on_the_console(backend, wa):
    outbound = OutboundMessage(message_id=1, to=TO, body="Hi", status_callback=CALLBACK)
    result = backend.send(outbound)

    backend.after_send(outbound, result)

    played = list(
        WebhookEvent.objects.filter(kind=WebhookEvent.Kind.STATUS).values_list(
            "company_id", "event_id"
        )
    )
    if backend.__class__.__name__ == "ConsoleBackend":  # signed callbacks to our own webhook
        assert sorted(event_id.split(":")[3] for _, event_id in played) == [
            "delivered",
            "read",
            "sent",
        ]
        assert {company for company, _ in played} == {wa.company_id}
        assert all(result.sid in event_id for _, event_id in played)
    else:
        assert played == []


def test_messages_sent_to_lists_what_the_provider_holds(backend):
    since = timezone.now() - timedelta(minutes=5)
    sent = backend.send(OutboundMessage(message_id=1, to=TO, body="Lost answer"))

    found = backend.messages_sent_to(to=TO, since=since)

    assert isinstance(found, list) and all(isinstance(item, FoundMessage) for item in found)
    expected = {
        "locmem": [(sent.sid, TO, "Lost answer")],  # what it sent
        "console": [],  # keeps nothing: an unknown outcome is sent again
    }
    name = backend.__class__.__name__.removesuffix("Backend").lower()
    if name in expected:
        assert [(item.sid, item.to, item.body) for item in found] == expected[name]
    else:  # Twilio's example page, parsed
        assert found and all(item.sid.startswith(("SM", "MM")) for item in found)
        assert all(not item.to.startswith("whatsapp:") for item in found)
        assert all(isinstance(item.date_sent, datetime | None) for item in found)


def test_fetch_media_returns_the_content_with_the_companys_credentials(backend):
    if isinstance(backend, locmem.LocmemBackend):
        locmem.media[MEDIA_URL] = MediaContent("image/png", b"\x89PNG")

    media = backend.fetch_media(MEDIA_URL)

    assert isinstance(media, MediaContent)
    assert media.content and media.content_type in ("image/png", "application/json")
    if isinstance(backend, locmem.LocmemBackend):
        assert locmem.media_fetches[-1]["credentials"] == backend.credentials


def test_fetch_media_refuses_with_a_provider_error(backend):
    with pytest.raises(ProviderError) as caught:
        backend.fetch_media("https://elsewhere.example/secret.png")
    assert caught.value.transient is False


def test_content_create_submit_and_fetch_approval(backend):
    content_sid = backend.content_create(draft=DRAFT)

    assert content_sid.startswith("HX") and len(content_sid) == 34
    submitted = backend.content_submit(content_sid=content_sid, draft=DRAFT)
    assert isinstance(submitted, ContentApproval)
    assert submitted.status in ("pending", "unsubmitted")
    now = timezone.now()
    fetched = backend.content_fetch_approval(content_sid=content_sid, submitted_at=now)
    assert isinstance(fetched, ContentApproval)
    name = backend.__class__.__name__
    if name == "LocmemBackend":
        assert fetched.status == "pending"
        locmem.set_approval(content_sid, "rejected", "INVALID_FORMAT")
        assert backend.content_fetch_approval(content_sid=content_sid) == ContentApproval(
            "rejected", "INVALID_FORMAT"
        )
        assert locmem.contents[content_sid]["types"] == {
            "twilio/quick-reply": {
                "body": DRAFT.body,
                "actions": [{"type": "QUICK_REPLY", "title": "Book", "id": "button_1"}],
            }
        }
    elif name == "ConsoleBackend":  # "approved" once the submission is a few seconds old
        assert fetched.status == "pending"
        long_ago = datetime(2026, 1, 1, tzinfo=UTC)
        approved = backend.content_fetch_approval(content_sid=content_sid, submitted_at=long_ago)
        assert approved.status == "approved"
    else:  # the twin's example verdict
        assert fetched.status == "approved"


def test_content_calls_on_an_unknown_content_sid(backend):
    """locmem answers Twilio's 404; the twin answers its example (it keeps nothing)."""
    unknown = "HX" + "f" * 32
    if isinstance(backend, locmem.LocmemBackend):
        with pytest.raises(ProviderError) as caught:
            backend.content_submit(content_sid=unknown, draft=DRAFT)
        assert (caught.value.status, caught.value.transient) == (404, False)
    else:
        assert isinstance(
            backend.content_fetch_approval(content_sid=unknown, submitted_at=None),
            ContentApproval,
        )
