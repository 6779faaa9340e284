"""Fixtures for the staff UI tests: WhatsApp enabled, a template, messages and notes in bulk."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from gymsales.models import Note, NoteKind, SaleType
from templates_app.models import MessageTemplate, TemplateCategory, TemplateStatus
from tests.fixtures import twilio_payload
from whatsapp.models import Direction, Message, MessageNote, MessageStatus, WhatsAppSettings
from whatsapp.providers.twilio import webhooks as twilio


@pytest.fixture(autouse=True)
def sale_types(db):
    """Membership and Secondary Sales (a data migration; transactional tests flush it)."""
    for key, name in [("membership", "Membership"), ("secondary", "Secondary Sales")]:
        SaleType.objects.get_or_create(key=key, defaults={"name": name})


@pytest.fixture
def locmem_backend(settings):
    """The locmem provider, and Celery tasks run inline (the send happens on commit)."""
    from gymsales.celery import app

    settings.WHATSAPP_BACKEND = "locmem"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield settings
    app.conf.task_always_eager = eager


@pytest.fixture
def whatsapp_on(company, locmem_backend):
    WhatsAppSettings.objects.update_or_create(
        company=company,
        defaults={
            "enabled": True,
            "sender_number": "+14155238886",
            "twilio_account_sid": "AC" + "a" * 32,
            "twilio_auth_token": "token-alpha",
        },
    )
    return company


@pytest.fixture
def welcome_template(company):
    return MessageTemplate.objects.create(
        company=company,
        name="Welcome",
        category=TemplateCategory.UTILITY,
        body="Hi {{1}}, welcome to {{2}}! Reply to book your first visit.",
        variables={"1": {"field": "first_name"}, "2": {"field": "club_name"}},
        content_sid="HX" + "1" * 32,
        status=TemplateStatus.APPROVED,
    )


def membership():
    return SaleType.objects.order_by("id").first()


def add_messages(person, count: int, *, direction=Direction.OUTBOUND, start=None, **fields):
    """`count` messages, one second apart, newest last (bulk_create: fast for 10,000)."""
    start = start or timezone.now() - timedelta(days=30)
    default = MessageStatus.DELIVERED if direction == Direction.OUTBOUND else MessageStatus.RECEIVED
    status = fields.pop("status", default)
    fields.setdefault("sale_type", membership())
    return Message.objects.bulk_create(
        Message(
            company=person.company,
            person=person,
            direction=direction,
            body=f"Message number {i}",
            status=status,
            created_at=start + timedelta(seconds=i),
            **fields,
        )
        for i in range(count)
    )


def add_note(
    person, kind=NoteKind.WHATSAPP_ERROR, text="WhatsApp message failed", message=None, **fields
):
    note = Note.objects.create(
        company=person.company, club=person.club, person=person, kind=kind, text=text, **fields
    )
    if message is not None:
        MessageNote.objects.create(note=note, message=message)
    return note


def simulate_inbound(person, body="Yes please!", **params):
    """An inbound WhatsApp through the messaging core, as the webhook worker would record it."""
    from whatsapp.services import inbound_record

    settings = WhatsAppSettings.objects.get(company=person.company)
    sid = "SM" + uuid.uuid4().hex
    payload = twilio_payload(
        "inbound_text",
        **{
            "AccountSid": settings.twilio_account_sid,
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "From": f"whatsapp:{person.phone_mobile}",
            "WaId": person.phone_mobile.lstrip("+"),
            "To": f"whatsapp:{settings.sender_number}",
            "Body": body,
            "ProfileName": person.first_name,
            **params,
        },
    )
    with transaction.atomic():  # as the webhook worker runs it
        return inbound_record(event=twilio.inbound_event(payload))


def status_callback(message, status, **params):
    """A Twilio status callback for `message`, applied by the messaging core."""
    from whatsapp.services import message_status_apply

    message.refresh_from_db()
    account_sid = WhatsAppSettings.objects.get(company=message.company_id).twilio_account_sid
    payload = twilio_payload(
        "status_delivered",
        **{
            "AccountSid": account_sid,
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            **params,
        },
    )
    message_status_apply(event=twilio.status_event(payload))
