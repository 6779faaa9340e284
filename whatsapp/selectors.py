"""Reads for WhatsApp: a person's WhatsApp summary (session, availability, counts)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, Max
from django.utils import timezone

from gymsales.models import Company, Person
from whatsapp.models import Direction, Message, WhatsAppSettings

SESSION_LENGTH = timedelta(hours=24)


def whatsapp_settings_for(*, company: Company) -> WhatsAppSettings:
    settings, _ = WhatsAppSettings.objects.get_or_create(company=company)
    return settings


def whatsapp_summaries(*, company: Company, people: Iterable[Person]) -> dict[int, dict]:
    """The `whatsapp` block of each person, in a fixed number of queries for any number of people."""
    people = list(people)
    ids = [person.pk for person in people]
    settings = whatsapp_settings_for(company=company)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    last_inbound: dict[int, object] = {}
    if ids:
        rows = (
            Message.objects.filter(company=company, person_id__in=ids)
            .values("person_id", "direction")
            .annotate(n=Count("id"), last=Max("created_at"))
        )
        for row in rows:
            counts[row["person_id"]][row["direction"]] = row["n"]
            if row["direction"] == Direction.INBOUND:
                last_inbound[row["person_id"]] = row["last"]
    now = timezone.now()
    summaries = {}
    for person in people:
        expires = last_inbound.get(person.pk)
        expires = expires + SESSION_LENGTH if expires else None
        active = bool(expires and expires > now)
        summaries[person.pk] = {
            "available": settings.is_usable
            and not person.whatsapp_opted_out
            and bool(person.phone_mobile),
            "session_active": active,
            "session_expires_at": expires if active else None,
            "sent_count": counts[person.pk].get(Direction.OUTBOUND, 0),
            "received_count": counts[person.pk].get(Direction.INBOUND, 0),
        }
    return summaries
