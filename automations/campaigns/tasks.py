"""Campaign tasks, on their own Celery queue (`campaigns`): a worker busy with a campaign never
delays a 1:1 send (queue `celery`). Each dispatch task sends one slice and chains the next, so
campaigns of several companies take turns; the beat tick starts due campaigns, reconciles expired
claims and restarts campaigns nobody is working on (after quiet hours, a lost worker).
"""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from automations.campaigns import dispatch, pacing, rules, services
from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from automations.campaigns.queueing import DISPATCH_TASK, campaign_dispatch_kick
from gymsales.tenancy import all_companies, company_scope


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def campaign_dispatch_task(campaign_id: int) -> str:
    result = dispatch.run_slice(campaign_id)
    if result.outcome == "more":
        campaign_dispatch_kick(campaign_id)
    elif result.outcome == "waiting":
        campaign_dispatch_kick(campaign_id, countdown=result.retry_in or 5)
    return result.outcome


@shared_task(name="campaigns.tick", ignore_result=True)
def campaigns_tick_task() -> int:
    return campaigns_tick()


def campaigns_tick() -> int:
    """Start due scheduled campaigns; reconcile expired claims (a stopped campaign's too: whoever
    was not sent ends not_sent); wake running campaigns that no dispatcher is working on (and
    finish those with nothing left). Returns campaigns kicked."""
    services.campaigns_start_due()
    campaigns_settle_stopped()
    kicked = 0
    with all_companies():
        running = list(Campaign.objects.filter(status="running").values_list("pk", "company_id"))
    for campaign_id, company_id in running:
        if pacing.is_alive(campaign_id):
            continue
        with company_scope(company_id):
            dispatch.reconcile_expired(campaign_id=campaign_id)
            if dispatch.campaign_finish_if_done(campaign_id) in ("more",):
                ctx = dispatch._context(campaign_id)
                if dispatch.quiet_wait(ctx.campaign, ctx.tz, timezone.now()) is None:
                    campaign_dispatch_kick(campaign_id)
                    kicked += 1
    return kicked


def campaigns_settle_stopped(*, now: datetime | None = None) -> int:
    """Stopped campaigns with claims left past their lease (their worker died): ask the provider
    (dispatch.reconcile_expired: the SID is adopted if Twilio has the message), and whoever was
    not sent ends `not_sent` (stopped) instead of going back to the queue. Returns campaigns."""
    now = now or timezone.now()
    with all_companies():
        stale = list(
            CampaignRecipient.objects.filter(
                state=RecipientState.SENDING,
                sent_at__isnull=True,
                lease_until__lt=now,
                campaign__status=rules.STOPPED,
            )
            .values_list("campaign_id", "company_id")
            .distinct()
        )
    for campaign_id, company_id in stale:
        with company_scope(company_id):
            dispatch.reconcile_expired(campaign_id=campaign_id, now=now)
            services.recipients_settle_stopped(campaign_id=campaign_id, now=now)
    return len(stale)
