"""The reports' reads. Aggregates run in PostgreSQL over the counters (reporting.models), never in
Python over messages; the Activity days are streamed from a server-side cursor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from gymsales.errors import FieldErrors
from gymsales.models import User
from reporting.filters import ReportFilters
from reporting.models import MessageCount
from whatsapp.models import Direction

# The longest Activity range (each day is a row and a point on the chart).
MAX_ACTIVITY_DAYS = 3660


def _counts(filters: ReportFilters, *, club_of_message: bool = True) -> QuerySet[MessageCount]:
    counts = MessageCount.objects.filter(company_id=filters.company.pk)
    if filters.date_from:
        counts = counts.filter(day__gte=filters.date_from)
    if filters.date_to:
        counts = counts.filter(day__lte=filters.date_to)
    if club_of_message and filters.club_id:
        counts = counts.filter(club_id=filters.club_id)
    return counts


# --- Newsfeed > Activity ------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityDays:
    """The days of an Activity report: `first`..`last` (None when there is nothing to show)."""

    first: date | None
    last: date | None
    # Built while the request's tenant scope is active; read later (a CSV streams after the view).
    per_day: QuerySet | None

    def rows(self) -> Iterator[dict]:
        """Every day of the range, zero-filled, oldest first, read through a server-side cursor."""
        if self.per_day is None:
            return
        day = self.first
        for row in self.per_day.iterator(chunk_size=2000):
            while day < row["day"]:
                yield {"date": day, "outbound": 0, "inbound": 0}
                day += timedelta(days=1)
            yield {"date": day, "outbound": row["outbound"], "inbound": row["inbound"]}
            day += timedelta(days=1)
        while day <= self.last:
            yield {"date": day, "outbound": 0, "inbound": 0}
            day += timedelta(days=1)


def activity_days(filters: ReportFilters) -> ActivityDays:
    """The range to show: the filters' dates, or where there are messages (up to today)."""
    first, last = filters.date_from, filters.date_to
    if first is None or last is None:
        bounds = _counts(filters).exclude(n=0).aggregate(first=Min("day"), last=Max("day"))
        today = timezone.localdate(timezone=filters.company.tzinfo)
        if last is None and (first is not None or bounds["last"] is not None):
            last = max(today, bounds["last"] or today, first or today)
        if first is None:
            first = bounds["first"] or last
            if first is not None and last is not None:
                first = min(first, last)
    if first is not None and (last - first).days + 1 > MAX_ACTIVITY_DAYS:
        field = "from" if filters.date_from is None or filters.date_to else "to"
        raise FieldErrors({field: [f"At most {MAX_ACTIVITY_DAYS} days at once: narrow the range."]})
    if first is None:
        return ActivityDays(first=None, last=None, per_day=None)
    per_day = (
        _counts(filters)
        .filter(day__gte=first, day__lte=last)
        .values("day")
        .annotate(
            outbound=Sum("n", filter=Q(direction=Direction.OUTBOUND), default=0),
            inbound=Sum("n", filter=Q(direction=Direction.INBOUND), default=0),
        )
        .order_by("day")
    )
    return ActivityDays(first=first, last=last, per_day=per_day)


def whatsapp_activity(filters: ReportFilters) -> dict:
    """`{outbound, inbound, by_day: [{date, outbound, inbound}]}` (at most MAX_ACTIVITY_DAYS days)."""
    by_day = list(activity_days(filters).rows())
    return {
        "outbound": sum(day["outbound"] for day in by_day),
        "inbound": sum(day["inbound"] for day in by_day),
        "by_day": by_day,
    }


# --- User Statistics ----------------------------------------------------------------------------


def user_statistics(filters: ReportFilters) -> QuerySet[User]:
    """The company's users with `whatsapp_sent` (outbound messages they sent in the range).

    The club filter keeps the club's users (their messages to anyone); users who are no longer
    active are listed only when they sent something in the range. Most messages first.
    """
    sent = (
        _counts(filters, club_of_message=False)
        .filter(user_id=OuterRef("pk"), direction=Direction.OUTBOUND)
        .values("user_id")
        .annotate(total=Sum("n"))
        .values("total")
    )
    users = User.objects.filter(company=filters.company).annotate(
        whatsapp_sent=Coalesce(Subquery(sent), Value(0))
    )
    if filters.club_id:
        users = users.filter(club_id=filters.club_id)
    return users.filter(Q(is_active=True) | Q(whatsapp_sent__gt=0)).order_by(
        "-whatsapp_sent", "last_name", "first_name", "id"
    )


def user_display_name(user: User) -> str:
    return user.get_full_name() or user.email
