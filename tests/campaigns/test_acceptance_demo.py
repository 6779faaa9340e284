"""Acceptance of issue 11, item 8, as a new user meets it after `make run`: the demo's draft can be
started at any hour and a real worker sends it to everyone its pre-flight promised, and the
finished campaign's figures hold together with what the rest of the app shows (its replies and its
opt-out are in the people's WhatsApp history; whoever opted out is excluded from the draft)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from automations.campaigns import dispatch, selectors, services
from automations.campaigns.demo import DRAFT, FINISHED
from automations.models import Campaign, CampaignRecipient
from tests.campaigns.test_dispatch import status_of
from tests.waits import wait_for
from whatsapp.models import Direction, Message


def _seed():
    call_command("seed_demo", stdout=StringIO())
    return Campaign.objects.get(name=FINISHED), Campaign.objects.get(name=DRAFT)


@pytest.mark.django_db
def test_the_demo_draft_is_not_held_at_any_hour_of_the_day():
    _, draft = _seed()
    tz = services.campaign_time_zone(company=draft.company, audience=draft.audience)
    today = datetime.now(tz).date()
    held = [
        hour
        for hour in range(24)
        if dispatch.quiet_wait(draft, tz, datetime.combine(today, time(hour, 30), tzinfo=tz))
        is not None
    ]
    assert held == [], f"started at {held} h (club time), the demo draft would send nothing"


@pytest.mark.worker
def test_the_demo_draft_starts_and_a_worker_sends_it_to_everyone_promised(
    campaign_worker, standin, api
):
    from gymsales.models import User

    _, draft = _seed()
    promised = draft.preflight["will_send"]
    assert promised > 0
    admin = User.objects.get(email="admin@demo.gymsales.test")
    response = api(admin, password="demo-pass-2026").post(
        f"/api/v1/whatsapp/campaigns/{draft.pk}/start"
    )
    assert response.status_code == 202
    assert wait_for(lambda: status_of(draft) == "completed", timeout=90)
    sent = standin.per_recipient()
    assert len(sent) == promised and set(sent.values()) == {1}
    counts = selectors.campaign_counts(campaign=Campaign.objects.get(pk=draft.pk))
    assert counts["progress"] == 100
    assert counts["counts"]["total"] == promised


@pytest.mark.django_db
def test_the_demo_finished_campaign_tells_one_story():
    finished, draft = _seed()
    recipients = CampaignRecipient.objects.filter(campaign=finished).select_related("person")

    replied = [r for r in recipients if r.replied_at is not None]
    assert replied
    for r in replied:
        reply = Message.objects.filter(
            person=r.person,
            direction=Direction.INBOUND,
            created_at__gte=r.sent_at,
            created_at__lte=r.sent_at + timedelta(hours=72),
        )
        assert reply.exists(), f"{r.person} replied, but no reply is in their history"

    (opted,) = [r for r in recipients if r.opted_out_at is not None]
    assert opted.person.whatsapp_opted_out is True
    assert Message.objects.filter(
        person=opted.person, direction=Direction.INBOUND, body__iexact="stop"
    ).exists()
    # The draft (leads) leaves out whoever opted out, and says why.
    if opted.person.status == "lead":
        assert draft.preflight["excluded"]["opted_out"] >= 1

    # Made when it started, not when the demo was loaded.
    finished.refresh_from_db()
    assert finished.preflight_at <= finished.finished_at
    assert all(r.updated_at <= finished.finished_at + timedelta(hours=7) for r in recipients)
    assert set(recipients.values_list("state", flat=True)) == {
        "excluded",
        "sent",
        "delivered",
        "read",
        "failed",
    }
