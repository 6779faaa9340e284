"""The campaigns API (API.md "Bulk WhatsApp campaigns"): roles, isolation, validation, actions."""

from __future__ import annotations

import pytest

from automations.models import Campaign
from tests.automations.conftest import make_template
from tests.campaigns.conftest import make_campaign, make_people

pytestmark = pytest.mark.django_db
URL = "/api/v1/whatsapp/campaigns"


@pytest.fixture
def body(template, club):
    return {
        "name": "December offer",
        "template_id": template.pk,
        "variables": {"1": {"field": "first_name"}},
        "audience": {"club_id": club.pk, "status": "lead"},
        "scheduled_at": "2026-12-24T09:00:00",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
    }


def test_admin_creates_reads_and_edits_a_campaign(api, admin_user, body, company, club):
    company.time_zone = "America/New_York"
    company.save()
    client = api(admin_user)
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["Location"] == f"{URL}/{data['id']}"
    assert data["status"] == "draft"
    # A time without an offset is the club's (here the company's) time zone.
    assert data["scheduled_at"] == "2026-12-24T09:00:00-05:00"
    assert data["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert data["audience"]["club_id"] == club.pk
    assert data["counts"]["total"] == 0
    assert set(data["counts"]["excluded"]) == {
        "opted_out",
        "no_mobile",
        "duplicate_phone",
        "over_limit",
        "marketing_guardrail",
    }
    assert data["created_by_id"] == admin_user.pk

    response = client.patch(f"{URL}/{data['id']}", {"name": "Xmas offer"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Xmas offer"
    listed = client.get(URL).json()
    assert [c["id"] for c in listed["collection"]] == [data["id"]]
    assert listed["pagination"]["total_entries"] == 1


def test_manager_reads_sales_gets_403(api, admin_user, manager_user, sales_user, template, company):
    campaign = make_campaign(company, template, admin_user)
    assert api(manager_user).get(f"{URL}/{campaign.pk}").status_code == 200
    assert api(manager_user).get(URL).status_code == 200
    assert api(manager_user).post(f"{URL}/{campaign.pk}/start").status_code == 403
    assert api(manager_user).delete(f"{URL}/{campaign.pk}").status_code == 403
    for call in (
        lambda c: c.get(URL),
        lambda c: c.get(f"{URL}/{campaign.pk}"),
        lambda c: c.get(f"{URL}/{campaign.pk}/recipients"),
        lambda c: c.post(f"{URL}/{campaign.pk}/preflight"),
    ):
        assert call(api(sales_user)).status_code == 403


def test_another_companys_campaign_is_a_404_everywhere(api, other_user, template, company):
    from gymsales.models import Role

    other_user.role = Role.ADMIN
    other_user.save()
    campaign = make_campaign(company, template)
    client = api(other_user)
    assert client.get(f"{URL}/{campaign.pk}").status_code == 404
    assert client.patch(f"{URL}/{campaign.pk}", {"name": "x"}, format="json").status_code == 404
    assert client.delete(f"{URL}/{campaign.pk}").status_code == 404
    assert client.get(f"{URL}/{campaign.pk}/recipients").status_code == 404
    for action in ("preflight", "start", "pause", "resume", "stop", "retry-failed"):
        assert client.post(f"{URL}/{campaign.pk}/{action}").status_code == 404
    assert client.get(URL).json()["collection"] == []
    assert Campaign.objects.get(pk=campaign.pk).name == "December offer"


def test_validation_errors_are_422_with_fields(api, admin_user, body, company):
    client = api(admin_user)
    pending = make_template(company, name="Pending", approved=False)
    response = client.post(URL, {**body, "template_id": pending.pk}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "template_not_approved"
    response = client.post(
        URL,
        {
            **body,
            "variables": {"1": {"field": "shoe_size"}},
            "audience": {"status": "alien", "club_id": 0},
            "quiet_hours": {"start": "25:00"},
            "scheduled_at": "99999-01-01T00:00:00",
        },
        format="json",
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    # Nested fields are named with dots, each a list of messages (API.md's error shape).
    assert set(errors) == {
        "variables",
        "audience.status",
        "audience.club_id",
        "quiet_hours.start",
        "quiet_hours.end",
        "scheduled_at",
    }
    assert all(isinstance(messages, list) for messages in errors.values())
    response = client.post(URL, {**body, "audience": {"club_id": 999999}}, format="json")
    assert response.status_code == 422
    assert "audience.club_id" in response.json()["errors"]
    response = client.post(URL, {**body, "template_id": 999999}, format="json")
    assert response.status_code == 422
    assert "template_id" in response.json()["errors"]


def test_preflight_is_stored_and_returned(api, admin_user, company, club, template, whatsapp_on):
    people = make_people(company, club, 4)
    people[0].whatsapp_opted_out = True
    people[0].save()
    campaign = make_campaign(company, template, admin_user)
    response = api(admin_user).post(f"{URL}/{campaign.pk}/preflight")
    assert response.status_code == 200
    assert response.json()["will_send"] == 3
    assert response.json()["excluded"]["opted_out"] == 1
    assert api(admin_user).get(f"{URL}/{campaign.pk}").json()["preflight"] == response.json()


def test_actions_not_allowed_by_the_status_are_409(api, admin_user, company, template, whatsapp_on):
    campaign = make_campaign(company, template, admin_user)
    client = api(admin_user)
    for action in ("pause", "resume", "retry-failed"):
        response = client.post(f"{URL}/{campaign.pk}/{action}")
        assert response.status_code == 409, action
        assert response.json()["code"] == "invalid_state"
    assert client.post(f"{URL}/{campaign.pk}/stop").status_code == 202
    response = client.post(f"{URL}/{campaign.pk}/start")
    assert response.status_code == 409
    assert client.patch(f"{URL}/{campaign.pk}", {"name": "x"}, format="json").status_code == 409
    assert client.delete(f"{URL}/{campaign.pk}").status_code == 409


def test_start_with_a_future_schedule_waits(api, admin_user, company, template, whatsapp_on):
    campaign = make_campaign(company, template, admin_user)
    client = api(admin_user)
    client.patch(f"{URL}/{campaign.pk}", {"scheduled_at": "2099-01-01T09:00:00Z"}, format="json")
    response = client.post(f"{URL}/{campaign.pk}/start")
    assert response.status_code == 202
    assert response.json()["status"] == "scheduled"


def test_recipients_filter_by_state(api, admin_user, company, club, template, whatsapp_on):
    from automations.campaigns.services import campaign_fan_out

    people = make_people(company, club, 3)
    people[0].phone_mobile = ""
    people[0].save()
    campaign = make_campaign(company, template, admin_user)
    campaign_fan_out(campaign_id=campaign.pk)
    client = api(admin_user)
    excluded = client.get(f"{URL}/{campaign.pk}/recipients?state=excluded").json()
    assert [(r["person_id"], r["reason"]) for r in excluded["collection"]] == [
        (people[0].pk, "no_mobile")
    ]
    queued = client.get(f"{URL}/{campaign.pk}/recipients?state=queued").json()
    assert queued["pagination"]["total_entries"] == 2
    assert client.get(f"{URL}/{campaign.pk}/recipients?state=nope").status_code == 422
    assert client.get(f"{URL}/{campaign.pk}").json()["counts"]["excluded"]["no_mobile"] == 1
