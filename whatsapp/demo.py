"""This app's part of `manage.py seed_demo` (idempotent): a conversation with an active session."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gymsales.models import NoteKind, Person, SaleTypeKey
from gymsales.services import sale_type_get
from whatsapp.models import Conversation, Direction, Message, MessageStatus, WhatsAppSettings
from whatsapp.providers import new_message_sid
from whatsapp.services.notes import note_create

# The demo's Twilio identity: fake, used only to sign the console backend's own callbacks.
DEMO_ACCOUNT_SID = "AC" + "d" * 32
DEMO_AUTH_TOKEN = "demo-auth-token-not-a-secret"
DEMO_SENDER = "+14155238886"


def seed(*, company, users: dict) -> list[str]:
    """Create this app's demo rows for `company`; return lines to print."""
    _settings(company)
    person = Person.objects.filter(company=company).exclude(phone_mobile="").order_by("id").first()
    if person is None:
        return []
    if Message.objects.filter(company=company, person=person).exists():
        return [f"WhatsApp demo conversation: person {person.pk} ({person.full_name})"]
    now = timezone.now()
    membership = sale_type_get(SaleTypeKey.MEMBERSHIP)
    for direction, minutes_ago, body, status in _script(person):
        demo_message(
            person, direction, body, status, membership, users.get("sales"), now - minutes_ago
        )
    last_inbound = now - _script(person)[-1][1]
    Conversation.objects.update_or_create(
        company=company,
        person=person,
        defaults={
            "last_inbound_at": last_inbound,
            "session_expires_at": last_inbound + timedelta(hours=24),
        },
    )
    return [
        f"WhatsApp demo conversation (session active): person {person.pk} ({person.full_name}); "
        f'try: python manage.py whatsapp_simulate --person {person.pk} inbound "Hello"'
    ]


def _settings(company) -> None:
    """WhatsApp on, with the demo's fake Twilio identity."""
    WhatsAppSettings.objects.update_or_create(
        company=company,
        defaults={
            "enabled": True,
            "sender_number": DEMO_SENDER,
            "twilio_account_sid": DEMO_ACCOUNT_SID,
            "twilio_auth_token": DEMO_AUTH_TOKEN,
            "messaging_limit": 2000,
        },
    )


def _script(person) -> list[tuple[str, timedelta, str, str]]:
    """The conversation: (direction, how long ago, body, status); it ends with an inbound."""
    return [
        (
            Direction.OUTBOUND,
            timedelta(minutes=180),
            f"Hi {person.first_name}, thanks for your interest in our club! "
            "Would you like a free day pass?",
            MessageStatus.READ,
        ),
        (
            Direction.INBOUND,
            timedelta(minutes=150),
            "Yes please! Can I come on Saturday?",
            MessageStatus.RECEIVED,
        ),
        (
            Direction.OUTBOUND,
            timedelta(minutes=140),
            "Of course, see you Saturday at 10am. Bring a towel!",
            MessageStatus.DELIVERED,
        ),
        (Direction.INBOUND, timedelta(minutes=120), "Great, thanks!", MessageStatus.RECEIVED),
    ]


def demo_message(person, direction, body, status, sale_type, sales, at) -> Message:
    """One demo WhatsApp message and its history note, as sending or receiving would leave them
    (other apps' demos use it too)."""
    outbound = direction == Direction.OUTBOUND
    message = Message.objects.create(
        company=person.company,
        person=person,
        direction=direction,
        body=body,
        status=status,
        sid=new_message_sid(),
        sent_by=sales if outbound else None,
        sale_type=sale_type,
        to_number=person.phone_mobile if outbound else "",
        from_number="" if outbound else person.phone_mobile,
        profile_name="" if outbound else person.full_name,
        created_at=at,
    )
    note_create(
        person=person,
        company=person.company,
        kind=NoteKind.WHATSAPP_SENT if outbound else NoteKind.WHATSAPP_RECEIVED,
        text=f"WhatsApp {'sent to' if outbound else 'received from'} {person.full_name}: {body}",
        user=sales if outbound else None,
        message=message,
        created_at=at,
    )
    return message
