"""History notes about a WhatsApp message: the core's note, and WhatsApp's link to the message."""

from __future__ import annotations

from datetime import datetime

from gymsales import services as core
from gymsales.models import Company, Note, Person, User
from whatsapp.models import Message, MessageNote


def note_create(
    *,
    person: Person | None,
    company: Company,
    kind: str,
    text: str,
    user: User | None = None,
    message: Message | None = None,
    created_at: datetime | None = None,
) -> Note:
    """gymsales.services.note_create, linked to `message` when the note is about one."""
    note = core.note_create(
        person=person, company=company, kind=kind, text=text, user=user, created_at=created_at
    )
    if message is not None:
        MessageNote.objects.create(note=note, message=message)
    return note
