"""Campaign tasks, on their own Celery queue (`campaigns`): a worker busy with a campaign never
delays a 1:1 send (queue `celery`). Each dispatch task sends one slice and chains the next, so
campaigns of several companies take turns; the beat tick starts due campaigns, reconciles expired
claims and restarts campaigns nobody is working on (after quiet hours, a lost worker).
"""

from __future__ import annotations

from celery import shared_task

from automations.campaigns import dispatch, pacing, services
from automations.campaigns.queueing import DISPATCH_TASK, campaign_dispatch_kick
from gymsales.tenancy import all_companies


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
    from automations.campaigns.models import Campaign

    services.campaigns_start_due()
    services.campaigns_settle_stopped()
    kicked = 0
    with all_companies():
        running = list(Campaign.objects.filter(status="running").values_list("pk", "company_id"))
    for campaign_id, company_id in running:
        if pacing.is_alive(campaign_id):
            continue
        from gymsales.tenancy import company_scope

        with company_scope(company_id):
            dispatch.reconcile_expired(campaign_id=campaign_id)
            if dispatch.campaign_finish_if_done(campaign_id) in ("more",):
                ctx = dispatch._context(campaign_id)
                from django.utils import timezone

                if dispatch.quiet_wait(ctx.campaign, ctx.tz, timezone.now()) is None:
                    campaign_dispatch_kick(campaign_id)
                    kicked += 1
    return kicked
