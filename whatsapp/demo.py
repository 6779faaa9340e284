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
    person = Person.objects.filter(company=company).exclude(phone_mobile="").order_by("id").first()
    if person is None:
        return []
    if Message.objects.filter(company=company, person=person).exists():
        return [f"WhatsApp demo conversation: person {person.pk} ({person.full_name})"]
    membership = sale_type_get(SaleTypeKey.MEMBERSHIP)
    now = timezone.now()
    sales = users.get("sales")
    script = [
        (
            Direction.OUTBOUND,
            180,
            f"Hi {person.first_name}, thanks for your interest in our club! "
            "Would you like a free day pass?",
            MessageStatus.READ,
        ),
        (Direction.INBOUND, 150, "Yes please! Can I come on Saturday?", MessageStatus.RECEIVED),
        (
            Direction.OUTBOUND,
            140,
            "Of course, see you Saturday at 10am. Bring a towel!",
            MessageStatus.DELIVERED,
        ),
        (Direction.INBOUND, 120, "Great, thanks!", MessageStatus.RECEIVED),
    ]
    last_inbound = None
    for direction, minutes_ago, body, status in script:
        at = now - timedelta(minutes=minutes_ago)
        message = Message.objects.create(
            company=company,
            person=person,
            direction=direction,
            body=body,
            status=status,
            sid=new_message_sid(),
            sent_by=sales if direction == Direction.OUTBOUND else None,
            sale_type=membership,
            to_number=person.phone_mobile if direction == Direction.OUTBOUND else "",
            from_number=person.phone_mobile if direction == Direction.INBOUND else "",
            profile_name=person.full_name if direction == Direction.INBOUND else "",
            created_at=at,
        )
        if direction == Direction.INBOUND:
            last_inbound = at
        kind = (
            NoteKind.WHATSAPP_SENT
            if direction == Direction.OUTBOUND
            else NoteKind.WHATSAPP_RECEIVED
        )
        verb = "sent to" if direction == Direction.OUTBOUND else "received from"
        note_create(
            person=person,
            company=company,
            kind=kind,
            text=f"WhatsApp {verb} {person.full_name}: {body}",
            user=sales if direction == Direction.OUTBOUND else None,
            message=message,
            created_at=at,
        )
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
