"""Acceptance of issue 11, items 1, 4 and 6, through a real Celery worker, Redis, PostgreSQL, the
local Twilio stand-in and our real (signed) webhook endpoints: quiet hours hold sending and it resumes after them, and replies count
only within 72 h of the campaign's message while a STOP after it reached them counts as opted
out."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from automations.campaigns import pacing, selectors, services
from automations.campaigns.tasks import campaigns_tick
from automations.models import Campaign, CampaignRecipient
from gymsales.models import Person
from tests.campaigns.conftest import make_campaign, make_people
from tests.campaigns.test_follow_people import webhook_ready  # noqa: F401
from tests.fixtures import twilio_payload
from tests.waits import wait_for
from whatsapp.models import Direction, Message

pytestmark = pytest.mark.worker
URL = "/api/v1/whatsapp/campaigns"
INBOUND_PATH = "/webhooks/twilio/whatsapp/inbound"


def status_of(campaign) -> str:
    return Campaign.objects.values_list("status", flat=True).get(pk=campaign.pk)


def counts(campaign) -> dict:
    return selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))["counts"]


def test_quiet_hours_hold_sending_and_it_resumes_after_them(
    campaign_worker, standin, finished_tasks, company, club, whatsapp_on, template, admin_user
):
    make_people(company, club, 25)
    local = timezone.now().astimezone(company.tzinfo)
    campaign = make_campaign(
        company,
        template,
        admin_user,
        quiet_hours_start=(local - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_hours_end=(local + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    services.campaign_act(campaign=campaign, action="start")

    # The worker's slice sees the quiet hours and hands the campaign back without sending.
    assert wait_for(lambda: "quiet" in finished_tasks.values(), timeout=60)
    assert standin.count() == 0
    assert status_of(campaign) == "running"
    assert counts(campaign)["queued"] == 25
    campaigns_tick()  # beat during quiet hours sends nothing either
    assert standin.count() == 0

    # The quiet hours are over (the clock passed their end, the slice's heartbeat ran out):
    # beat's tick wakes the campaign and everyone is sent once.
    Campaign.objects.filter(pk=campaign.pk).update(
        quiet_hours_end=(local - timedelta(minutes=2)).time().replace(second=0, microsecond=0)
    )
    pacing._redis().delete(f"wa:campaign-alive:{campaign.pk}")
    campaigns_tick()
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=90)
    sent = standin.per_recipient()
    assert len(sent) == 25 and set(sent.values()) == {1}


def post_inbound(client, settings_row, person, body: str) -> None:
    sid = "SM" + os.urandom(16).hex()
    params = twilio_payload(
        "inbound_text",
        AccountSid=settings_row.twilio_account_sid,
        MessageSid=sid,
        SmsSid=sid,
        SmsMessageSid=sid,
        From=f"whatsapp:{person.phone_mobile}",
        WaId=person.phone_mobile.lstrip("+"),
        To=f"whatsapp:{settings_row.sender_number}",
        Body=body,
    )
    signature = RequestValidator(settings_row.twilio_auth_token).compute_signature(
        django_settings.PUBLIC_BASE_URL + INBOUND_PATH, params
    )
    response = client.post(INBOUND_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    assert wait_for(
        lambda: Message.objects.filter(sid=sid, direction=Direction.INBOUND).exists(), timeout=15
    )


def test_replies_count_within_72_hours_and_a_stop_after_reaching_them_is_an_opt_out(
    campaign_worker,
    standin,
    client,
    company,
    club,
    webhook_ready,  # noqa: F811
    template,
    admin_user,
):
    people = make_people(company, club, 6)
    Person.objects.filter(pk=people[5].pk).update(whatsapp_opted_out=True)  # excluded
    campaign = make_campaign(company, template, admin_user)
    services.campaign_act(campaign=campaign, action="start")
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=60)
    recipients = {r.person_id: r for r in CampaignRecipient.objects.filter(campaign=campaign)}
    now = timezone.now()
    # people[0] was reached 73 h ago, people[1] 71 h ago, the others just now.
    for person, hours in ((people[0], 73), (people[1], 71)):
        CampaignRecipient.objects.filter(pk=recipients[person.pk].pk).update(
            sent_at=now - timedelta(hours=hours)
        )
        Message.objects.filter(pk=recipients[person.pk].message_id).update(
            created_at=now - timedelta(hours=hours)
        )

    post_inbound(client, webhook_ready, people[0], "Sorry, only saw this now")
    post_inbound(client, webhook_ready, people[1], "Yes please")
    post_inbound(client, webhook_ready, people[2], "STOP")
    post_inbound(client, webhook_ready, people[5], "Hello?")  # never sent the campaign

    assert wait_for(lambda: counts(campaign)["opted_out"] == 1, timeout=15)
    c = counts(campaign)
    assert c["replied"] == 2, c  # people[1] and the STOP; not 73 h later, not the excluded one
    replied = CampaignRecipient.objects.filter(campaign=campaign, replied_at__isnull=False)
    assert set(replied.values_list("person_id", flat=True)) == {people[1].pk, people[2].pk}
    opted = CampaignRecipient.objects.get(campaign=campaign, opted_out_at__isnull=False)
    assert opted.person_id == people[2].pk
    assert Person.objects.get(pk=people[2].pk).whatsapp_opted_out is True

    # A STOP long after the campaign reached someone still counts as opted out of it.
    post_inbound(client, webhook_ready, people[0], "STOP")
    assert wait_for(lambda: counts(campaign)["opted_out"] == 2, timeout=15)
    assert counts(campaign)["replied"] == 2
