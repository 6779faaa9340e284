"""WhatsApp fixtures: an enabled company on the locmem backend, templates, sessions, signing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from templates_app.models import MessageTemplate, TemplateStatus
from tests.fixtures import twilio_payload
from whatsapp import webhooks
from whatsapp.models import Conversation, WhatsAppSettings
from whatsapp.providers import locmem
from whatsapp.services.accounts import accounts_changed

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "alpha-auth-token"
SENDER = "+14155550100"
OTHER_ACCOUNT_SID = "AC" + "2" * 32
OTHER_AUTH_TOKEN = "beta-auth-token"
OTHER_SENDER = "+14155550200"


@pytest.fixture(autouse=True)
def _whatsapp_test_settings(settings, monkeypatch):
    from gymsales.celery import app

    settings.WHATSAPP_BACKEND = "locmem"
    # HTTP Basic checks the password on every request: a fast hasher keeps the suite lean.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PUBLIC_BASE_URL = "https://gymsales.example"
    app.conf.task_always_eager = True
    locmem.reset()
    accounts_changed()
    # Apply every stored webhook at once (eager), not at most every 0.25 s per process.
    monkeypatch.setattr(webhooks, "KICK_INTERVAL_SECONDS", 0)
    yield
    app.conf.task_always_eager = False
    locmem.reset()
    accounts_changed()


def enable(company, **extra) -> WhatsAppSettings:
    values = {
        "enabled": True,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": AUTH_TOKEN,
        "sender_number": SENDER,
        "messaging_limit": 250,
        "max_messages_per_second": 1000,
        **extra,
    }
    WhatsAppSettings.objects.filter(company=company).update(**values)
    return WhatsAppSettings.objects.get(company=company)


@pytest.fixture
def wa(company):
    """The company with WhatsApp enabled and a Twilio sender."""
    return enable(company)


@pytest.fixture
def other_wa(other_company):
    return enable(
        other_company,
        twilio_account_sid=OTHER_ACCOUNT_SID,
        twilio_auth_token=OTHER_AUTH_TOKEN,
        sender_number=OTHER_SENDER,
    )


def make_due(*messages) -> None:
    """Time passes for queued messages parked until later (held, throttled, backing off)."""
    from whatsapp.models import Message

    Message.objects.filter(pk__in=[m.pk for m in messages]).update(
        send_after=timezone.now() - timedelta(seconds=1)
    )


def make_template(company, **extra) -> MessageTemplate:
    values = {
        "name": "Welcome",
        "category": "utility",
        "body": "Hi {{1}}, welcome to the club!",
        "variables": {"1": {"field": "first_name"}},
        "content_sid": "HX" + "a" * 32,
        "status": TemplateStatus.APPROVED,
        **extra,
    }
    return MessageTemplate.objects.create(company=company, **values)


@pytest.fixture
def template(company):
    return make_template(company)


def open_session(person, *, hours_left: float = 20) -> Conversation:
    now = timezone.now()
    conversation, _ = Conversation.objects.update_or_create(
        company_id=person.company_id,
        person=person,
        defaults={
            "last_inbound_at": now - timedelta(hours=24 - hours_left),
            "session_expires_at": now + timedelta(hours=hours_left),
        },
    )
    return conversation


def webhook_path(kind: str) -> str:
    """The path of Twilio's `kind` (status | inbound) webhook, from the URL configuration."""
    return reverse(f"whatsapp-webhook-{kind}")


def sign(path: str, params: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(django_settings.PUBLIC_BASE_URL + path, params)


def status_params(sid: str, status: str, *, error_code: str = "", error_message: str = "") -> dict:
    """Twilio's status callback (tests/fixtures/twilio/) for our sender's message `sid`."""
    params = twilio_payload(
        "status_failed" if error_code else "status_delivered",
        AccountSid=ACCOUNT_SID,
        MessageSid=sid,
        SmsSid=sid,
        MessageStatus=status,
        SmsStatus=status,
        From=f"whatsapp:{SENDER}",
    )
    if error_code:
        params["ErrorCode"] = error_code
        params["ErrorMessage"] = error_message or "Twilio says no"
    return params


def inbound_params(from_number: str, body: str, *, sid: str = "SM" + "b" * 32, **extra) -> dict:
    """Twilio's incoming-message request (tests/fixtures/twilio/) from `from_number` to our sender."""
    return twilio_payload(
        "inbound_text",
        **{
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "From": f"whatsapp:{from_number}",
            "WaId": from_number.lstrip("+"),
            "To": f"whatsapp:{SENDER}",
            "Body": body,
            "ProfileName": "",
            **extra,
        },
    )


@pytest.fixture
def post_webhook(client):
    """POST a signed webhook: post_webhook('status', params) → response."""

    def post(kind: str, params: dict, *, token: str = AUTH_TOKEN, signature: str | None = None):
        path = webhook_path(kind)
        headers = {}
        sig = sign(path, params, token) if signature is None else signature
        if sig:
            headers["HTTP_X_TWILIO_SIGNATURE"] = sig
        return client.post(path, params, **headers)

    return post


# --- The Twilio twin (Stoplight Prism on Twilio's OpenAPI description) -------------------------


@pytest.fixture(scope="session")
def twilio_twin_process(start_twin):
    """Prism serving twilio_api_v2010 on a free port: (base URL, log path). Stopped at the end."""
    return start_twin("twilio_api_v2010")


@pytest.fixture
def twilio_twin(request):
    """The twin's base URL, started lazily: tests not using the twilio backend never start it."""
    if "backend" in getattr(request.node, "callspec", {}).__dict__.get("params", {}) and (
        request.node.callspec.params["backend"] != "twilio"
    ):
        return None
    return request.getfixturevalue("twilio_twin_process")[0]
