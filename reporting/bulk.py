"""The Bulk WhatsApp report: per campaign, the funnel attempted → sent → delivered → read → replied,
opt-outs, "limited by Meta" (63049) apart from other failures, and the recipients who won a sale or
booked an appointment in the 30 days after the campaign reached them. Every bucket is a condition on
a campaign's recipients, so the figures and the people behind them are the same SQL.

A recipient is *reached* at `sent_at` (Twilio accepted the message). Windows are inclusive at both
ends: a reply at reached + 72 h counts, one a second later does not; a sale or an appointment booked
at reached + 30 days counts, one before reached does not.

The aggregates run in PostgreSQL in one statement per page of campaigns: one GROUP BY over the
recipients of those campaigns with EXISTS probes (messages by person and time, sales and appointments
by person) that use indexes; nothing is computed per row in Python.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from automations.campaigns.rules import LIMITED_BY_META, REPLY_WINDOW
from gymsales.models import Appointment, Person, Sale
from reporting.counters import without_jit
from reporting.filters import ReportFilters
from whatsapp.models import Direction, Message

FOLLOW_UP_WINDOW = timedelta(days=30)

REACHED = RecipientState.SENT, RecipientState.DELIVERED, RecipientState.READ

# The buckets, in the report's order: (key, label).
BUCKETS = [
    ("attempted", "Attempted"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("replied", "Replied (72 h)"),
    ("opted_out", "Opted out"),
    ("limited_by_meta", "Limited by Meta"),
    ("failed", "Failed (other)"),
    ("sales_won_30d", "Sales won (30 days)"),
    ("appointments_booked_30d", "Appointments booked (30 days)"),
]
BUCKET_KEYS = [key for key, _ in BUCKETS]
FUNNEL = ["attempted", "sent", "delivered", "read", "replied"]


def _after_reach(window: timedelta):
    return ExpressionWrapper(OuterRef("sent_at") + Value(window), output_field=DateTimeField())


def _flags(recipients: QuerySet[CampaignRecipient]) -> QuerySet[CampaignRecipient]:
    """The recipients with one boolean per fact a bucket needs (EXISTS probes, indexed)."""
    # (a person is in one company: probing by person alone lets the partial index
    # reporting_inbound_by_person answer it)
    replied = Message.objects.filter(
        person_id=OuterRef("person_id"),
        direction=Direction.INBOUND,
        created_at__gte=OuterRef("sent_at"),
        created_at__lte=_after_reach(REPLY_WINDOW),
    )
    won = Sale.objects.filter(
        company_id=OuterRef("company_id"),
        person_id=OuterRef("person_id"),
        won_at__gte=OuterRef("sent_at"),
        won_at__lte=_after_reach(FOLLOW_UP_WINDOW),
    )
    booked = Appointment.objects.filter(
        company_id=OuterRef("company_id"),
        person_id=OuterRef("person_id"),
        booked_at__gte=OuterRef("sent_at"),
        booked_at__lte=_after_reach(FOLLOW_UP_WINDOW),
    )
    return recipients.annotate(
        _replied=Exists(replied),
        _won=Exists(won),
        _booked=Exists(booked),
    )


def _reached() -> Q:
    return Q(sent_at__isnull=False) | Q(state__in=REACHED)


# bucket → the condition on a flagged recipient
CONDITIONS = {
    "attempted": lambda: ~Q(state=RecipientState.EXCLUDED),
    "sent": _reached,
    "delivered": lambda: Q(state__in=[RecipientState.DELIVERED, RecipientState.READ]),
    "read": lambda: Q(state=RecipientState.READ),
    "replied": lambda: _reached() & (Q(replied_at__isnull=False) | Q(_replied=True)),
    # Recorded on the recipient by the campaign as it happens (STOP, staff, people API), while the
    # campaign reached them: the same figure as the campaign's own `counts.opted_out`.
    "opted_out": lambda: Q(opted_out_at__isnull=False),
    "limited_by_meta": lambda: Q(state=RecipientState.FAILED, error_code=LIMITED_BY_META),
    "failed": lambda: Q(state=RecipientState.FAILED) & ~Q(error_code=LIMITED_BY_META),
    "sales_won_30d": lambda: _reached() & Q(_won=True),
    "appointments_booked_30d": lambda: _reached() & Q(_booked=True),
}


def _recipients(filters: ReportFilters) -> QuerySet[CampaignRecipient]:
    recipients = CampaignRecipient.objects.filter(company=filters.company)
    if filters.club_id:
        recipients = recipients.filter(person__club_id=filters.club_id)
    return recipients


def campaigns(filters: ReportFilters) -> QuerySet[Campaign]:
    """The campaigns started in the date range (local days), newest first; with a club, those that
    attempted someone of the club."""
    started = Campaign.objects.filter(company=filters.company, started_at__isnull=False)
    if filters.start():
        started = started.filter(started_at__gte=filters.start())
    if filters.end():
        started = started.filter(started_at__lt=filters.end())
    if filters.club_id:
        started = started.filter(
            Exists(
                _recipients(filters)
                .filter(campaign_id=OuterRef("pk"))
                .exclude(state=RecipientState.EXCLUDED)
            )
        )
    return started.order_by("-started_at", "-id")


def bucket_counts(filters: ReportFilters, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign_id: {bucket: recipients}} for these campaigns, in one statement."""
    if not campaign_ids:
        return {}
    rows = (
        _flags(_recipients(filters).filter(campaign_id__in=campaign_ids))
        .values("campaign_id")
        .annotate(**{key: Count("id", filter=CONDITIONS[key]()) for key in BUCKET_KEYS})
        .order_by()
    )
    counts = {pk: dict.fromkeys(BUCKET_KEYS, 0) for pk in campaign_ids}
    with without_jit():
        for row in rows:
            counts[row.pop("campaign_id")] = row
    return counts


def rows(filters: ReportFilters, page: list[Campaign]) -> list[dict]:
    """The report's rows for a page of campaigns: details and every bucket's count."""
    counts = bucket_counts(filters, [campaign.pk for campaign in page])
    return [
        {
            "id": campaign.pk,
            "name": campaign.name,
            "template_id": campaign.template_id,
            "started_at": campaign.started_at,
            **counts[campaign.pk],
        }
        for campaign in page
    ]


def bucket_people(
    filters: ReportFilters, campaign: Campaign, bucket: str, without: str | None = None
) -> QuerySet[Person]:
    """The people of a campaign's bucket (optionally leaving out another bucket's: "read but did
    not reply" is bucket=read, without=replied), by id."""
    recipients = _flags(_recipients(filters).filter(campaign=campaign)).filter(CONDITIONS[bucket]())
    if without:
        recipients = recipients.exclude(CONDITIONS[without]())
    return Person.objects.filter(
        company=filters.company, pk__in=recipients.values("person_id")
    ).order_by("id")


def campaign_get(filters: ReportFilters, pk: int) -> Campaign:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Campaign.objects.filter(company=filters.company), pk=pk)
