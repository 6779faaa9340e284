"""Reads for campaigns: lists, one campaign, its counts (API.md "Bulk WhatsApp campaigns") and
recipients. Counts come from ONE grouped query over the campaign's recipients.

Counts are the recipients' current states (they add up to `total`): `queued` waits for its
first send, `retrying` was re-queued by retry-failed or awaits whatsapp's automatic retry of its
message (63010; the campaign runs until that retry is sent), `sending` is claimed or accepted by
Twilio and not yet reported sent; `failed` excludes `limited_by_meta` (63049). `replied` and
`opted_out` count recipients whatever their state; `opted_out` only those the campaign reached
(accepted by Twilio, not failed since) before they opted out (services._opted_out_after_reached).
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from automations.campaigns.audience import EXCLUSION_REASONS
from automations.campaigns.models import Campaign, CampaignRecipient
from automations.campaigns.rules import LIMITED_BY_META
from gymsales.models import Company

COUNT_KEYS = (
    "total",
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "replied",
    "failed",
    "retrying",
    "not_sent",
    "opted_out",
    "limited_by_meta",
)


def campaigns_list(*, company: Company) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(company=company)
        .select_related("template")
        .order_by("-created_at", "-id")
    )


def campaign_get_for_company(*, company: Company, pk) -> Campaign:
    """Missing and another company's campaign are both a 404."""
    return get_object_or_404(
        Campaign.objects.filter(company=company).select_related("template", "company"), pk=pk
    )


def _aggregates():
    state = lambda s: Q(state=s)  # noqa: E731
    # whatsapp's automatic retry (63010) of a recipient's message: no claim, not sent yet.
    auto_retry = state("sending") & Q(lease_until__isnull=True, sent_at__isnull=True)
    return {
        "all": Count("id"),
        "excluded_total": Count("id", filter=state("excluded")),
        **{
            f"excluded_{reason}": Count("id", filter=state("excluded") & Q(reason=reason))
            for reason in EXCLUSION_REASONS
        },
        "queued": Count("id", filter=state("queued") & Q(retrying=False)),
        # (before "retrying": once that alias exists, Q(retrying=…) would name the aggregate)
        "sending": Count("id", filter=state("sending") & ~(auto_retry & Q(retrying=True))),
        # Claimed and not yet accepted by Twilio (an automatic retry waits in `retrying`).
        "in_flight": Count(
            "id",
            filter=state("sending") & Q(sent_at__isnull=True) & ~(auto_retry & Q(retrying=True)),
        ),
        "retrying": Count("id", filter=(state("queued") | auto_retry) & Q(retrying=True)),
        "sent": Count("id", filter=state("sent")),
        "delivered": Count("id", filter=state("delivered")),
        "read": Count("id", filter=state("read")),
        "failed": Count("id", filter=state("failed") & ~Q(error_code=LIMITED_BY_META)),
        "limited_by_meta": Count("id", filter=state("failed") & Q(error_code=LIMITED_BY_META)),
        "not_sent": Count("id", filter=state("not_sent")),
        "replied": Count("id", filter=Q(replied_at__isnull=False)),
        "opted_out": Count("id", filter=Q(opted_out_at__isnull=False)),
    }


def campaign_counts(*, campaign: Campaign) -> dict:
    """API.md `counts` plus `progress` (0–100: the share of recipients dispatched)."""
    row = CampaignRecipient.objects.filter(
        company=campaign.company_id, campaign=campaign
    ).aggregate(**_aggregates())
    return counts_from_row(campaign, row)


def counts_from_row(campaign: Campaign, row: dict) -> dict:
    total = row["all"] - row["excluded_total"]
    counts = {key: row[key] for key in COUNT_KEYS if key != "total"}
    counts["total"] = total
    if not row["all"] and campaign.preflight:
        # Not fanned out yet: the stored pre-flight tells who will be excluded.
        excluded = dict(campaign.preflight.get("excluded", {}))
    else:
        excluded = {reason: row[f"excluded_{reason}"] for reason in EXCLUSION_REASONS}
    counts["excluded"] = {reason: excluded.get(reason, 0) for reason in EXCLUSION_REASONS}
    waiting = row["queued"] + row["retrying"] + row["in_flight"]
    progress = 0 if total == 0 else round(100 * (total - waiting) / total)
    if total == 0 and campaign.status == "completed":
        progress = 100
    return {"counts": {k: counts[k] for k in (*COUNT_KEYS, "excluded")}, "progress": progress}


def campaigns_counts(*, company: Company, campaigns: list[Campaign]) -> dict[int, dict]:
    """Counts of several campaigns in one grouped query (the list page and API)."""
    rows = (
        CampaignRecipient.objects.filter(company=company, campaign__in=campaigns)
        .values("campaign_id")
        .annotate(**_aggregates())
    )
    by_id = {row["campaign_id"]: row for row in rows}
    empty = {key: 0 for key in _aggregates()}
    return {c.pk: counts_from_row(c, by_id.get(c.pk, empty)) for c in campaigns}


def campaign_recipients(*, campaign: Campaign, state: str | None = None) -> QuerySet:
    recipients = CampaignRecipient.objects.filter(company=campaign.company_id, campaign=campaign)
    if state:
        recipients = recipients.filter(state=state)
    return recipients.select_related("person").order_by("id")
