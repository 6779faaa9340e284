"""Acceptance of issue 11, items 1–3, as a user meets them: every audience filter the wizard and
the API offer reaches exactly its people (the page's live count, the API's pre-flight and the
stored pre-flight agree), and the fan-out is one `INSERT … SELECT` whatever the audience's size."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from automations.campaigns import services
from automations.models import Campaign, CampaignRecipient
from gymsales.models import Person, Sale, SaleType
from tests.campaigns.conftest import make_campaign, make_people
from tests.factories import ClubFactory
from tests.ui.conftest import sale_types  # noqa: F401
from whatsapp.models import Direction, Message, MessageStatus

pytestmark = pytest.mark.django_db
URL = "/api/v1/whatsapp/campaigns"


def _local(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


@pytest.fixture
def crowd(company, club, admin_user, manager_user, sale_types):  # noqa: F811
    """Eight people, each singled out by one filter (the others are defaults)."""
    today = timezone.localdate()
    other_club = ClubFactory(company=company, name="Alpha North")
    names = ["base", "north", "member", "owned", "membership", "old", "new", "contacted"]
    people = dict(zip(names, make_people(company, club, len(names)), strict=True))
    Person.objects.filter(pk=people["north"].pk).update(club=other_club)
    Person.objects.filter(pk=people["member"].pk).update(status="member")
    Person.objects.filter(pk__in=[p.pk for p in people.values()]).update(owner=manager_user)
    Person.objects.filter(pk=people["owned"].pk).update(owner=admin_user)
    Sale.objects.create(
        company=company,
        person=people["membership"],
        sale_type=SaleType.objects.get(key="membership"),
    )
    Sale.objects.create(
        company=company, person=people["base"], sale_type=SaleType.objects.get(key="secondary")
    )
    # Created 60 days ago by default; "old" 400 days ago, "new" today.
    Person.objects.filter(pk__in=[p.pk for p in people.values()]).update(
        created_at=_local(today - timedelta(days=60))
    )
    Person.objects.filter(pk=people["old"].pk).update(created_at=_local(today - timedelta(400)))
    Person.objects.filter(pk=people["new"].pk).update(created_at=_local(today))
    # "contacted" had a message 2 days ago; "base" one 40 days ago; "north" a refused one today.
    for who, days, status in (
        ("contacted", 2, MessageStatus.DELIVERED),
        ("base", 40, MessageStatus.READ),
        ("north", 0, MessageStatus.NOT_SENT),
    ):
        Message.objects.create(
            company=company,
            person=people[who],
            direction=Direction.OUTBOUND,
            status=status,
            body="Hello",
            created_at=timezone.now() - timedelta(days=days),
        )
    return {"people": people, "other_club": other_club, "today": today}


def _ids(names, crowd) -> set[int]:
    return {crowd["people"][n].pk for n in names}


def test_every_audience_filter_reaches_exactly_its_people(
    api, client, admin_user, manager_user, company, club, template, whatsapp_on, crowd
):
    today = crowd["today"]
    everyone = set(crowd["people"])
    cases = [
        ({"club_id": crowd["other_club"].pk}, {"north"}),
        ({"club_id": club.pk}, everyone - {"north"}),
        ({"status": "member"}, {"member"}),
        ({"status": "lead"}, everyone - {"member"}),
        ({"owner_id": admin_user.pk}, {"owned"}),
        ({"sale_type": "membership"}, {"membership"}),
        ({"sale_type": "secondary"}, {"base"}),
        ({"created_after": str(today - timedelta(days=1))}, {"new"}),
        ({"created_before": str(today - timedelta(days=100))}, {"old"}),
        ({"created_before": str(today)}, everyone),  # the whole day is included
        ({"created_after": str(today)}, {"new"}),
        ({"last_contacted_before": str(today - timedelta(days=7))}, everyone - {"contacted"}),
        (
            {"person_ids": [crowd["people"]["old"].pk, crowd["people"]["new"].pk]},
            {"old", "new"},
        ),
        ({"status": "lead", "owner_id": admin_user.pk}, {"owned"}),
    ]
    admin = api(admin_user)
    client.force_login(admin_user)
    for audience, expected in cases:
        response = admin.post(
            URL,
            {"name": f"Case {audience}", "template_id": template.pk, "audience": audience},
            format="json",
        )
        assert response.status_code == 201, (audience, response.json())
        campaign_id = response.json()["id"]

        preflight = admin.post(f"{URL}/{campaign_id}/preflight").json()
        assert preflight["will_send"] == len(expected), audience
        # The wizard's live count (person_ids is the API's only).
        if "person_ids" not in audience:
            html = client.get("/campaigns/new/audience/", audience).content.decode()
            count = re.search(r'id="audience-total">(\d+)<', html).group(1)
            assert int(count) == len(expected), (audience, html)
        # Fan-out reaches exactly these people.
        services.campaign_fan_out(campaign_id=campaign_id)
        reached = set(
            CampaignRecipient.objects.filter(campaign_id=campaign_id).values_list(
                "person_id", flat=True
            )
        )
        assert reached == _ids(expected, crowd), audience


def test_the_preflight_figures_are_the_same_on_the_page_and_in_the_api(
    api, client, admin_user, manager_user, company, club, template, whatsapp_on
):
    people = make_people(company, club, 9)
    Person.objects.filter(pk=people[0].pk).update(whatsapp_opted_out=True)
    Person.objects.filter(pk__in=[people[1].pk, people[2].pk]).update(phone_mobile="")
    Person.objects.filter(pk=people[4].pk).update(phone_mobile=people[3].phone_mobile)
    client.force_login(admin_user)
    response = client.post(
        "/campaigns/new/",
        {"name": "Same figures", "template_id": template.pk, "var_1_field": "first_name"},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Same figures")

    from_api = api(manager_user).get(f"{URL}/{campaign.pk}").json()
    assert from_api["preflight"] == {
        "will_send": 5,
        "excluded": {
            "opted_out": 1,
            "no_mobile": 2,
            "duplicate_phone": 1,
            "over_limit": 0,
            "marketing_guardrail": 0,
        },
    }
    assert from_api["counts"]["excluded"] == from_api["preflight"]["excluded"]
    client.force_login(manager_user)
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    section = page[page.index('aria-label="Pre-flight"') :]
    assert "<strong>5</strong> will be sent" in section
    for label, n in (
        ("Opted out", 1),
        ("No mobile number", 2),
        ("Duplicate phone number", 1),
        ("Over the messaging limit", 0),
    ):
        assert f"<td>{label}</td><td>{n}</td>" in section, label


@pytest.mark.parametrize("size", [3, 300])
def test_fan_out_is_one_insert_select_whatever_the_audience(
    company, club, whatsapp_on, template, size
):
    make_people(company, club, size)
    campaign = make_campaign(company, template)
    with CaptureQueriesContext(connection) as queries:
        made = services.campaign_fan_out(campaign_id=campaign.pk)
    assert made == size
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert len(writes) == 1, writes
    assert "SELECT" in writes[0].upper()
    # A handful of statements (lock, classification, insert, tally, store), not one per person.
    assert len(queries) <= 10, [q["sql"][:80] for q in queries]
