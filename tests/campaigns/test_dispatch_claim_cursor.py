"""A slice claims past its cursor (the highest recipient id it claimed), so each claim's index
scan starts after the rows already claimed; recipients the cursor has passed (another worker
held them, or they went back to the queue) are still sent before the slice calls the campaign
done."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from automations.campaigns import dispatch, services
from automations.models import Campaign, CampaignRecipient
from tests.campaigns.conftest import make_campaign, make_people
from tests.waits import wait_for


def _running(campaign):
    services.campaign_fan_out(campaign_id=campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status="running")
    return dispatch._context(campaign.pk)


@pytest.mark.django_db
def test_a_claim_takes_the_next_recipients_after_its_cursor(company, club, whatsapp_on, template):
    make_people(company, club, 5)
    ctx = _running(make_campaign(company, template))
    ids = sorted(
        CampaignRecipient.objects.filter(campaign=ctx.campaign).values_list("pk", flat=True)
    )

    claimed = dispatch.claim_batch(ctx, 2, timezone.now(), after=ids[1])

    assert [job.recipient_id for job in claimed.jobs] == ids[2:4]
    assert (claimed.rows, claimed.last_id) == (2, ids[3])
    assert CampaignRecipient.objects.filter(pk__in=ids[:2], state="queued").count() == 2


@pytest.mark.worker
def test_recipients_behind_the_cursor_are_sent_before_the_campaign_completes(
    transactional_db, standin, company, club, whatsapp_on, template, settings
):
    """The first ten recipients are locked by another worker's claim (its transaction still
    open) while the slice claims the rest in batches of 20, then that claim is rolled back: the
    slice goes back to the start and sends them too."""
    settings.CAMPAIGN_BATCH = 20
    make_people(company, club, 100)
    ctx = _running(make_campaign(company, template))
    first = sorted(
        CampaignRecipient.objects.filter(campaign=ctx.campaign).values_list("pk", flat=True)
    )[:10]
    s = connection.settings_dict
    other_worker = psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"]
    )
    other_worker.execute(
        "SELECT id FROM automations_campaignrecipient WHERE id = ANY(%s) FOR UPDATE", [first]
    )
    outcome = []
    slice_thread = threading.Thread(
        target=lambda: outcome.append(dispatch.run_slice(ctx.campaign.pk, seconds=60).outcome)
    )
    slice_thread.start()
    try:
        assert wait_for(lambda: standin.count() == 90, timeout=60)
    finally:
        other_worker.rollback()
        other_worker.close()
    slice_thread.join(60)

    assert outcome == ["done"]
    sent = standin.per_recipient()
    assert len(sent) == 100 and set(sent.values()) == {1}
    assert (
        CampaignRecipient.objects.filter(campaign=ctx.campaign, sent_at__isnull=True).count() == 0
    )


@pytest.mark.django_db
def test_the_claim_walks_the_queued_index_in_order_without_statistics(
    company, club, whatsapp_on, template
):
    """Fresh from a fan-out, nothing has analysed the recipients: the pick must still read the
    queued index in id order and stop after the batch, never fetch and sort every queued row."""
    make_people(company, club, 300)
    ctx = _running(make_campaign(company, template))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(dispatch._ORDERED_SCAN)
        cursor.execute(
            "EXPLAIN (FORMAT JSON) " + dispatch._claim_sql(),
            [ctx.campaign.pk, 0, 100, now, now, now],
        )
        plan = json.dumps(cursor.fetchone()[0])

    assert '"Node Type": "Sort"' not in plan
    assert '"Node Type": "Bitmap Heap Scan"' not in plan
    assert '"Index Name": "campaign_recipient_queued"' in plan
