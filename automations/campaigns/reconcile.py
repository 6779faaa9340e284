"""Did the provider accept a message whose answer we never stored? (lease reconciliation)

Twilio: its Messages list, filtered by `To` and the day, matched by sender and creation time
(the claim's), skipping SIDs we already hold. locmem: its outbox. console: nothing to ask (a
development backend: the message is sent again).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from whatsapp.models import Message, WhatsAppSettings
from whatsapp.providers import get_backend
from whatsapp.providers.twilio import TwilioBackend

logger = logging.getLogger(__name__)
CLOCK_SKEW = timedelta(seconds=5)


def find_accepted(*, settings: WhatsAppSettings, message: Message) -> str | None:
    from whatsapp.services import credentials_for

    backend = get_backend(credentials=credentials_for(settings))
    if isinstance(backend, TwilioBackend):
        return _twilio_lookup(backend, settings, message)
    from whatsapp.providers import locmem

    if backend.__class__.__module__ == locmem.__name__:
        for sent in locmem.outbox:
            if sent["message"].message_id == message.pk:
                return sent["sid"]
    return None


def _twilio_lookup(backend: TwilioBackend, settings: WhatsAppSettings, message: Message):
    sender = (
        settings.messaging_service_sid
        if settings.messaging_service_sid
        else f"whatsapp:{settings.sender_number}"
    )
    since = message.created_at - CLOCK_SKEW
    candidates = backend.client.messages.list(
        to=f"whatsapp:{message.to_number}", date_sent_after=since, limit=50
    )
    for candidate in candidates:
        created = candidate.date_created
        if created is not None and created < since:
            continue
        if not settings.messaging_service_sid and candidate.from_ not in (sender, None):
            continue
        if Message.objects.filter(sid=candidate.sid).exists():
            continue
        return candidate.sid
    return None
