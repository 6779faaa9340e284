"""Pre-flight: who is reached and who is excluded, by reason; fan-out makes one row per person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from automations.campaigns import services
from automations.models import CampaignRecipient
from tests.automations.conftest import make_template
from tests.campaigns.conftest import make_campaign, make_people
from whatsapp.models import Direction, Message, MessageStatus

pytestmark = pytest.mark.django_db


def test_preflight_counts_each_exclusion_and_is_stored(company, club, whatsapp_on, template):
    people = make_people(company, club, 10)
    people[0].whatsapp_opted_out = True
    people[1].phone_mobile = ""
    people[3].phone_mobile = people[2].phone_mobile  # the later id is the duplicate
    for p in people[:4]:
        p.save()
    campaign = make_campaign(company, template)

    result = services.campaign_preflight(campaign=campaign)

    assert result == {
        "will_send": 7,
        "excluded": {
            "opted_out": 1,
            "no_mobile": 1,
            "duplicate_phone": 1,
            "over_limit": 0,
            "marketing_guardrail": 0,
        },
    }
    campaign.refresh_from_db()
    assert campaign.preflight == result
    assert campaign.preflight_at is not None


def test_messaging_limit_tier_excludes_new_people_beyond_what_is_left(
    company, club, whatsapp_on, template
):
    whatsapp_on.messaging_limit = 250
    whatsapp_on.save()
    reached = make_people(company, club, 3, start=900)
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            company=company,
            person=p,
            direction=Direction.OUTBOUND,
            status=MessageStatus.DELIVERED,
            business_initiated=True,
            created_at=now - timedelta(hours=1),
        )
        for p in reached
    )
    make_people(company, club, 250)
    campaign = make_campaign(company, template)  # everyone: 253 people, 3 already reached

    result = services.campaign_preflight(campaign=campaign)

    # 250 - 3 reached = 247 new people may be reached; the 3 already reached count once.
    assert result["will_send"] == 250
    assert result["excluded"]["over_limit"] == 3


def test_marketing_guardrail_excludes_people_with_two_unanswered_marketing_templates(
    company, club, whatsapp_on
):
    marketing = make_template(company, name="Promo", category="marketing")
    guarded, fine, replied = make_people(company, club, 3)
    now = timezone.now()
    for person, count in ((guarded, 2), (fine, 1), (replied, 2)):
        for i in range(count):
            Message.objects.create(
                company=company,
                person=person,
                direction=Direction.OUTBOUND,
                template=marketing,
                status=MessageStatus.DELIVERED,
                created_at=now - timedelta(hours=3 - i),
            )
    Message.objects.create(
        company=company,
        person=replied,
        direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED,
        created_at=now - timedelta(minutes=30),
    )
    campaign = make_campaign(company, marketing)

    result = services.campaign_preflight(campaign=campaign)

    assert result["excluded"]["marketing_guardrail"] == 1
    assert result["will_send"] == 2


def test_audience_filters_select_people(company, club, whatsapp_on, template, admin_user):
    from tests.factories import ClubFactory

    other_club = ClubFactory(company=company, name="Alpha North")
    make_people(company, club, 4)
    members = make_people(company, other_club, 3, start=100, status="member", owner=admin_user)
    campaign = make_campaign(
        company, template, audience={"club_id": other_club.pk, "status": "member"}
    )
    assert services.campaign_preflight(campaign=campaign)["will_send"] == 3
    campaign.audience = {"person_ids": [members[0].pk], "owner_id": admin_user.pk}
    assert services.campaign_preflight(campaign=campaign)["will_send"] == 1


def test_fan_out_makes_one_row_per_person_with_the_exclusion_reasons(
    company, club, whatsapp_on, template, other_company, other_club
):
    people = make_people(company, club, 5)
    people[0].whatsapp_opted_out = True
    people[0].save()
    make_people(other_company, other_club, 3, start=500)  # never in this company's campaign
    campaign = make_campaign(company, template)

    assert services.campaign_fan_out(campaign_id=campaign.pk) == 5
    assert services.campaign_fan_out(campaign_id=campaign.pk) == 0  # once

    rows = CampaignRecipient.objects.filter(campaign=campaign)
    assert rows.count() == 5
    assert set(rows.values_list("state", "reason").distinct()) == {
        ("queued", ""),
        ("excluded", "opted_out"),
    }
    campaign.refresh_from_db()
    assert campaign.preflight["will_send"] == 4
    assert campaign.preflight["excluded"]["opted_out"] == 1
