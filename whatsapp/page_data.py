"""Reads for the staff pages: the Client Profile history timeline and the Newsfeed.

The history merges WhatsApp messages and notes into one timeline ordered newest first by
(created_at, source, id), read with a keyset cursor: every page is two bounded queries however long
the history is, so the profile's query count and time do not grow with it.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from gymsales.models import Company, Note, NoteKind, Person
from whatsapp.models import Direction, Message
from whatsapp.selectors import NOT_COUNTED

PAGE_SIZE = 20
# The live-updated newest block never renders more than this many items.
RECENT_CAP = 200

MESSAGE_RANK = 1
NOTE_RANK = 0

HISTORY_FILTERS = {
    "all": "All",
    "sent": "WhatsApp Sent",
    "received": "WhatsApp Received",
    "errors": "Errors",
}

# Notes that only echo a message (the message itself is shown, with its status).
MESSAGE_ECHO_KINDS = [NoteKind.WHATSAPP_SENT, NoteKind.WHATSAPP_RECEIVED]


@dataclass(frozen=True)
class Cursor:
    """A position in the timeline: items strictly older than it come after it."""

    created_at: datetime
    rank: int
    pk: int

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.rank}|{self.pk}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """A cursor from a URL; anything malformed is None (the newest page)."""
        if not text:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, rank, pk = raw.split("|")
            created_at = datetime.fromisoformat(stamp)
            if timezone.is_naive(created_at):
                return None
            return cls(created_at=created_at, rank=int(rank), pk=int(pk))
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass(frozen=True)
class HistoryItem:
    obj: Message | Note
    rank: int

    @property
    def is_message(self) -> bool:
        return self.rank == MESSAGE_RANK

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.obj.created_at, self.rank, self.obj.pk)

    @property
    def sort_key(self) -> tuple:
        return (self.obj.created_at, self.rank, self.obj.pk)


@dataclass(frozen=True)
class HistoryPage:
    items: list[HistoryItem]
    older: Cursor | None  # where "Load older" continues, None when nothing is older

    @property
    def oldest(self) -> Cursor | None:
        return self.items[-1].cursor if self.items else None

    @property
    def version(self) -> str:
        """Changes when an item arrives or a message's status moves: live updates compare it."""
        parts = [
            f"{item.rank}:{item.obj.pk}:{getattr(item.obj, 'status', '')}:"
            f"{getattr(item.obj, 'updated_at', '')}"
            for item in self.items
        ]
        return hashlib.blake2s("|".join(parts).encode(), digest_size=8).hexdigest()


def history_filter_name(value: str | None) -> str:
    return value if value in HISTORY_FILTERS else "all"


def _sources(*, company: Company, person: Person, filter: str):
    """(messages, notes) querysets for a filter; None where the filter shows none of that source."""
    messages = (
        Message.objects.filter(company=company, person=person)
        .select_related("sent_by", "template", "sale_type")
        .order_by("-created_at", "-id")
    )
    notes = (
        Note.objects.filter(company=company, person=person)
        .select_related("user")
        .order_by("-created_at", "-id")
    )
    if filter == "sent":
        return (
            messages.filter(direction=Direction.OUTBOUND),
            notes.filter(kind=NoteKind.WHATSAPP_SENT, message_link__isnull=True),
        )
    if filter == "received":
        return (
            messages.filter(direction=Direction.INBOUND),
            notes.filter(kind=NoteKind.WHATSAPP_RECEIVED, message_link__isnull=True),
        )
    if filter == "errors":
        return None, notes.filter(kind=NoteKind.WHATSAPP_ERROR)
    return messages, notes.exclude(kind__in=MESSAGE_ECHO_KINDS, message_link__isnull=False)


def _older_than(cursor: Cursor, rank: int) -> Q:
    """Rows of the source with `rank` whose key (created_at, rank, id) is below the cursor's."""
    if rank > cursor.rank:
        return Q(created_at__lt=cursor.created_at)
    if rank < cursor.rank:
        return Q(created_at__lte=cursor.created_at)
    return Q(created_at__lt=cursor.created_at) | Q(created_at=cursor.created_at, pk__lt=cursor.pk)


def _merge(
    sources: list[tuple[QuerySet | None, int]], limit: int
) -> tuple[list[HistoryItem], bool]:
    items: list[HistoryItem] = []
    for queryset, rank in sources:
        if queryset is not None:
            items += [HistoryItem(obj, rank) for obj in queryset[: limit + 1]]
    items.sort(key=lambda item: item.sort_key, reverse=True)
    return items[:limit], len(items) > limit


def history_page(
    *,
    company: Company,
    person: Person,
    filter: str = "all",
    before: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> HistoryPage:
    """One page of the person's timeline, older than `before` (newest page without it)."""
    messages, notes = _sources(company=company, person=person, filter=filter)
    if before is not None:
        if messages is not None:
            messages = messages.filter(_older_than(before, MESSAGE_RANK))
        notes = notes.filter(_older_than(before, NOTE_RANK))
    items, more = _merge([(messages, MESSAGE_RANK), (notes, NOTE_RANK)], limit)
    return HistoryPage(items=items, older=items[-1].cursor if more and items else None)


def history_recent(
    *, company: Company, person: Person, filter: str = "all", oldest: Cursor | None = None
) -> HistoryPage:
    """The newest block, down to and including `oldest` (all of it when None), for live updates."""
    messages, notes = _sources(company=company, person=person, filter=filter)
    if oldest is not None:
        if messages is not None:
            messages = messages.exclude(_older_than(oldest, MESSAGE_RANK))
        notes = notes.exclude(_older_than(oldest, NOTE_RANK))
        items, more = _merge([(messages, MESSAGE_RANK), (notes, NOTE_RANK)], RECENT_CAP)
    else:
        items, more = _merge([(messages, MESSAGE_RANK), (notes, NOTE_RANK)], PAGE_SIZE)
    return HistoryPage(items=items, older=items[-1].cursor if more and items else None)


def newsfeed_notes(
    *,
    company: Company,
    club_id: int | None = None,
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Note]:
    """The company's notes, newest first; dates are whole days in the active (company) time zone."""
    notes = Note.objects.filter(company=company).select_related("person", "user", "club")
    if club_id is not None:
        notes = notes.filter(club_id=club_id)
    if kind:
        notes = notes.filter(kind=kind)
    if date_from is not None:
        notes = notes.filter(created_at__gte=_day_start(date_from))
    if date_to is not None:
        notes = notes.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return notes.order_by("-created_at", "-id")


def whatsapp_sent_count(
    *,
    company: Company,
    club_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> int:
    """Newsfeed > Activity: outbound WhatsApp messages in the range (by the person's club), counted
    as the Client Profile and the Activity report count them (never-sent ones left out)."""
    messages = Message.objects.filter(company=company, direction=Direction.OUTBOUND).exclude(
        status__in=NOT_COUNTED
    )
    if club_id is not None:
        messages = messages.filter(person__club_id=club_id)
    if date_from is not None:
        messages = messages.filter(created_at__gte=_day_start(date_from))
    if date_to is not None:
        messages = messages.filter(created_at__lt=_day_start(date_to + timedelta(days=1)))
    return messages.count()


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
