"""Acceptance of issue 11, items 1 and 4, through a real Celery worker, Redis, PostgreSQL and the
local Twilio stand-in: a scheduled campaign starts at its time (beat's tick) and sends everyone,
and beat never completes a started campaign that no worker has fanned out yet (the `campaigns`
queue busy with another campaign)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from automations.campaigns import services
from automations.campaigns.tasks import campaigns_tick
from automations.models import Campaign, CampaignRecipient
from tests.campaigns.conftest import make_campaign, make_people
from tests.campaigns.test_acceptance_dispatch import status_of
from tests.waits import wait_for

pytestmark = pytest.mark.worker
URL = "/api/v1/whatsapp/campaigns"


def test_a_scheduled_campaign_starts_at_its_time(
    campaign_worker, standin, api, company, club, whatsapp_on, template, admin_user
):
    make_people(company, club, 30)
    client = api(admin_user)
    in_an_hour = timezone.now().astimezone(company.tzinfo) + timedelta(hours=1)
    response = client.post(
        URL,
        {
            "name": "Tomorrow's push",
            "template_id": template.pk,
            "scheduled_at": in_an_hour.replace(tzinfo=None).isoformat(timespec="seconds"),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    campaign = Campaign.objects.get(pk=response.json()["id"])
    assert client.post(f"{URL}/{campaign.pk}/start").json()["status"] == "scheduled"

    campaigns_tick()  # beat, before its time: nothing starts
    assert status_of(campaign) == "scheduled"
    assert not CampaignRecipient.objects.filter(campaign=campaign).exists()

    # The hour has passed: beat's next tick starts it and the worker sends everyone once.
    Campaign.objects.filter(pk=campaign.pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )
    campaigns_tick()
    assert status_of(campaign) in ("running", "completed")
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=90)
    sent = standin.per_recipient()
    assert len(sent) == 30 and set(sent.values()) == {1}
    assert Campaign.objects.get(pk=campaign.pk).started_at is not None


def test_beat_does_not_complete_a_started_campaign_a_busy_worker_has_not_picked_up(
    request, transactional_db, standin, company, club, whatsapp_on, template, admin_user
):
    """Start pressed while the `campaigns` queue is busy (here: no worker yet): beat's tick runs
    before any worker fans the campaign out. It must leave it running, and once a worker takes
    the kick everyone is sent."""
    make_people(company, club, 20)
    campaign = make_campaign(company, template, admin_user)
    services.campaign_act(campaign=campaign, action="start")
    campaigns_tick()
    assert status_of(campaign) == "running"

    request.getfixturevalue("campaign_worker")
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=90)
    sent = standin.per_recipient()
    assert len(sent) == 20 and set(sent.values()) == {1}
