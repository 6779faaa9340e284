"""Reads for WhatsApp: sessions, a person's summary and counts, messages, the facts the rules need."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from gymsales.models import Company, Person
from whatsapp import rules
from whatsapp.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    WhatsAppAuditEntry,
    WhatsAppSettings,
)
from whatsapp.providers import Credentials

SESSION_LENGTH = rules.SESSION_LENGTH
NOT_COUNTED = [MessageStatus.NOT_SENT]


def whatsapp_settings_for(*, company: Company) -> WhatsAppSettings:
    """The company's settings. Every company gets its row when created (COMPANY_CREATED_HANDLERS);
    one without (made in the Django admin) reads as the defaults, WhatsApp off, unsaved: a read
    never writes. whatsapp_settings_update creates the row."""
    return WhatsAppSettings.objects.filter(company=company).first() or WhatsAppSettings(
        company=company
    )


def credentials_for(settings: WhatsAppSettings) -> Credentials:
    return Credentials(
        company_id=settings.company_id,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        sender_number=settings.sender_number,
        messaging_service_sid=settings.messaging_service_sid,
    )


def credentials_for_company(*, company: Company) -> Credentials:
    """The company's Twilio credentials (all empty when it has no settings yet)."""
    settings = WhatsAppSettings.objects.filter(company=company).first()
    return credentials_for(settings or WhatsAppSettings(company_id=company.pk))


def whatsapp_enabled_by_company(*, companies: Iterable[Company]) -> dict[int, bool]:
    """Whether WhatsApp is enabled, per company, in one query (no settings yet: not enabled)."""
    ids = [company.pk for company in companies]
    enabled = set(
        WhatsAppSettings.objects.filter(company_id__in=ids, enabled=True).values_list(
            "company_id", flat=True
        )
    )
    return {pk: pk in enabled for pk in ids}


def session_expires_at(*, person: Person) -> datetime | None:
    """When the person's session ends (None: never opened). Active while in the future."""
    return (
        Conversation.objects.filter(company_id=person.company_id, person=person)
        .values_list("session_expires_at", flat=True)
        .first()
    )


def session_active(*, person: Person, now: datetime | None = None) -> bool:
    return rules.session_is_active(
        expires_at=session_expires_at(person=person), now=now or timezone.now()
    )


def whatsapp_summaries(*, company: Company, people: Iterable[Person]) -> dict[int, dict]:
    """The `whatsapp` block of each person, in a fixed number of queries for any number of people."""
    people = list(people)
    ids = [person.pk for person in people]
    settings = whatsapp_settings_for(company=company)
    counts: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    expiries: dict[int, datetime | None] = {}
    if ids:
        rows = (
            Message.objects.filter(company=company, person_id__in=ids)
            .exclude(status__in=NOT_COUNTED)
            .values("person_id", "direction")
            .annotate(n=Count("id"))
        )
        for row in rows:
            counts[row["person_id"]][row["direction"]] = row["n"]
        expiries = dict(
            Conversation.objects.filter(company=company, person_id__in=ids).values_list(
                "person_id", "session_expires_at"
            )
        )
    now = timezone.now()
    summaries = {}
    for person in people:
        expires = expiries.get(person.pk)
        active = rules.session_is_active(expires_at=expires, now=now)
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


def whatsapp_counts_by_sale_type(*, company: Company, person: Person) -> list[dict]:
    """Sent/received counts per Sale Type (Membership, Secondary Sales, …) for the profile; one query.

    Messages without a sale type are counted under key None ("Other").
    """
    from gymsales.models import SaleType

    rows = (
        Message.objects.filter(company=company, person=person)
        .exclude(status__in=NOT_COUNTED)
        .values("sale_type_id")
        .annotate(
            sent=Count("id", filter=Q(direction=Direction.OUTBOUND)),
            received=Count("id", filter=Q(direction=Direction.INBOUND)),
        )
    )
    by_type = {row["sale_type_id"]: row for row in rows}
    result = [
        {
            "sale_type": sale_type.key,
            "name": sale_type.name,
            "sent": by_type.get(sale_type.pk, {}).get("sent", 0),
            "received": by_type.get(sale_type.pk, {}).get("received", 0),
        }
        for sale_type in SaleType.objects.order_by("id")
    ]
    if None in by_type:
        result.append(
            {
                "sale_type": None,
                "name": "Other",
                "sent": by_type[None]["sent"],
                "received": by_type[None]["received"],
            }
        )
    return result


def messages_for_person(*, company: Company, person: Person) -> QuerySet[Message]:
    return (
        Message.objects.filter(company=company, person=person)
        .select_related("sale_type")
        .order_by("-created_at", "-id")
    )


def marketing_sent_since_reply(*, person: Person, now: datetime) -> int:
    """Marketing templates sent to the person in the last 24 h after their last inbound message."""
    since = now - rules.MARKETING_WINDOW
    last_inbound = (
        Message.objects.filter(
            company_id=person.company_id, person=person, direction=Direction.INBOUND
        )
        .aggregate(last=Max("created_at"))
        .get("last")
    )
    if last_inbound is not None and last_inbound > since:
        since = last_inbound
    return (
        Message.objects.filter(
            company_id=person.company_id,
            person=person,
            direction=Direction.OUTBOUND,
            template__category="marketing",
            created_at__gt=since,
        )
        .exclude(status__in=NOT_COUNTED)
        .count()
    )


def people_reached_24h(*, company: Company, now: datetime) -> QuerySet:
    """Ids of the unique people reached by business-initiated messages in the rolling 24 h."""
    return (
        Message.objects.filter(
            company=company,
            business_initiated=True,
            created_at__gt=now - rules.MESSAGING_LIMIT_WINDOW,
        )
        .exclude(status__in=NOT_COUNTED)
        .values_list("person_id", flat=True)
        .distinct()
    )


def message_get_for_company(*, company: Company, pk) -> Message:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Message.objects.filter(company=company), pk=pk)


def message_media_content(*, company: Company, person: Person, message_id: int, index: int):
    """One media item of a person's message, fetched from Twilio with the company's credentials
    (a MediaContent). A missing or foreign message, or media not on Twilio: 404. A failed fetch
    raises the provider's ProviderError."""
    from django.http import Http404
    from django.shortcuts import get_object_or_404

    from whatsapp.providers import get_backend
    from whatsapp.providers.media import media_url_fetchable

    message = get_object_or_404(
        Message.objects.filter(company=company, person=person), pk=message_id
    )
    items = message.media if isinstance(message.media, list) else []
    item = items[index] if 0 <= index < len(items) and isinstance(items[index], dict) else {}
    url = str(item.get("url") or "")
    if not media_url_fetchable(url):
        raise Http404("No such media.")
    return get_backend(credentials=credentials_for_company(company=company)).fetch_media(url)


def whatsapp_audit_list(*, company: Company) -> QuerySet[WhatsAppAuditEntry]:
    return WhatsAppAuditEntry.objects.filter(company=company).order_by("-created_at", "-id")
