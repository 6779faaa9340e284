"""The campaigns API against hostile and careless input (API.md Conventions): never a 500, a 422
whose `errors` map each field to a list of messages (nested fields dotted, as `audience.club_id`),
another company's ids as unknown as missing ones; and every endpoint's roles."""

from __future__ import annotations

import pytest

from automations.campaigns import services
from automations.models import Campaign
from gymsales.models import Role
from tests.campaigns.conftest import make_campaign, make_people

pytestmark = pytest.mark.django_db
URL = "/api/v1/whatsapp/campaigns"
BIG = 10**30

# (body, the field its 422 names)
JUNK = [
    ({"name": ""}, "name"),
    ({"name": ["a"]}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"template_id": "abc"}, "template_id"),
    ({"template_id": BIG}, "template_id"),
    ({"template_id": -1}, "template_id"),
    ({"template_id": 999_999}, "template_id"),
    ({"template_id": True}, "template_id"),
    ({"variables": "x"}, "variables"),
    ({"variables": {"1": "x"}}, "variables"),
    ({"variables": {"a": {"field": "first_name"}}}, "variables"),
    ({"variables": {"1": {"field": "shoe_size"}}}, "variables"),
    ({"variables": {"1": {"value": 5}}}, "variables"),
    ({"audience": "x"}, "audience"),
    ({"audience": []}, "audience"),
    ({"audience": {"club_id": "x"}}, "audience.club_id"),
    ({"audience": {"club_id": BIG}}, "audience.club_id"),
    ({"audience": {"club_id": 999_999}}, "audience.club_id"),
    ({"audience": {"owner_id": 999_999}}, "audience.owner_id"),
    ({"audience": {"status": "alien"}}, "audience.status"),
    ({"audience": {"sale_type": "x"}}, "audience.sale_type"),
    ({"audience": {"created_after": "junk"}}, "audience.created_after"),
    ({"audience": {"created_before": "9999-12-31"}}, "audience.created_before"),
    ({"audience": {"last_contacted_before": "2026-02-30"}}, "audience.last_contacted_before"),
    ({"audience": {"person_ids": "x"}}, "audience.person_ids"),
    ({"audience": {"person_ids": [BIG, "a", None, 0]}}, "audience.person_ids"),
    ({"audience": {"person_ids": [999_999]}}, "audience.person_ids"),
    ({"audience": {"club": 1}}, "audience.club"),
    (
        {"audience": {"created_after": "2026-05-01", "created_before": "2026-01-01"}},
        "audience.created_before",
    ),
    ({"scheduled_at": "junk"}, "scheduled_at"),
    ({"scheduled_at": 5}, "scheduled_at"),
    ({"scheduled_at": "9999-12-31T23:59:59"}, "scheduled_at"),
    ({"scheduled_at": "2026-12-24T09:00:00+25:00"}, "scheduled_at"),
    ({"quiet_hours": "x"}, "quiet_hours"),
    ({"quiet_hours": {"start": "25:00", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": "21:00:30", "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": 5, "end": "08:00"}}, "quiet_hours.start"),
    ({"quiet_hours": {"start": "21:00"}}, "quiet_hours"),
    ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "quiet_hours"),
]


def assert_field_422(response, field: str) -> None:
    assert response.status_code == 422, (field, response.content)
    errors = response.json()["errors"]
    assert any(key == field or key.startswith(f"{field}.") for key in errors), errors
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in errors.values()
    ), errors


@pytest.fixture
def body(template):
    return {
        "name": "Offer",
        "template_id": template.pk,
        "variables": {"1": {"field": "first_name"}},
    }


@pytest.mark.parametrize(("junk", "field"), JUNK, ids=[str(j)[:60] for j, _ in JUNK])
def test_junk_is_a_422_on_its_field_when_creating_and_editing(
    api, admin_user, body, company, template, junk, field
):
    client = api(admin_user)
    assert_field_422(client.post(URL, {**body, **junk}, format="json"), field)
    campaign = make_campaign(company, template, admin_user)
    before = Campaign.objects.values().get(pk=campaign.pk)
    for method in (client.patch, client.put):
        assert_field_422(method(f"{URL}/{campaign.pk}", junk, format="json"), field)
    assert Campaign.objects.values().get(pk=campaign.pk) == before
    assert Campaign.objects.count() == 1


def test_another_companys_club_owner_and_people_are_unknown_ids(
    api, admin_user, body, other_club, other_user, other_person
):
    client = api(admin_user)
    for audience, field in (
        ({"club_id": other_club.pk}, "audience.club_id"),
        ({"owner_id": other_user.pk}, "audience.owner_id"),
        ({"person_ids": [other_person.pk]}, "audience.person_ids"),
    ):
        response = client.post(URL, {**body, "audience": audience}, format="json")
        assert_field_422(response, field)
        assert response.json()["errors"][field] in (
            ["No such club."],
            ["No such user."],
            ["Some of these people do not exist."],
        )
    assert not Campaign.objects.exists()


def test_quiet_hours_are_whole_minutes_and_both_ends(api, admin_user, body):
    client = api(admin_user)
    response = client.post(
        URL, {**body, "quiet_hours": {"start": "21:00:00", "end": "8:00"}}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    campaign = response.json()["id"]
    response = client.patch(f"{URL}/{campaign}", {"quiet_hours": {"end": "07:00"}}, format="json")
    assert_field_422(response, "quiet_hours")
    response = client.patch(f"{URL}/{campaign}", {"quiet_hours": None}, format="json")
    assert response.json()["quiet_hours"] is None


def test_clearing_the_time_of_a_scheduled_campaign_makes_it_a_draft_again(
    api, admin_user, body, whatsapp_on
):
    client = api(admin_user)
    campaign = client.post(
        URL, {**body, "scheduled_at": "2099-01-01T09:00:00Z"}, format="json"
    ).json()["id"]
    assert client.post(f"{URL}/{campaign}/start").json()["status"] == "scheduled"
    response = client.patch(f"{URL}/{campaign}", {"scheduled_at": None}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["scheduled_at"]) == ("draft", None)


def test_a_preflight_after_the_fan_out_keeps_its_figures(
    api, admin_user, company, club, template, whatsapp_on
):
    make_people(company, club, 3)
    campaign = make_campaign(company, template, admin_user, status="running")
    services.campaign_fan_out(campaign_id=campaign.pk)
    make_people(company, club, 2, start=10)  # came later: not in this campaign
    response = api(admin_user).post(f"{URL}/{campaign.pk}/preflight")
    assert response.status_code == 200
    assert response.json()["will_send"] == 3
    assert api(admin_user).get(f"{URL}/{campaign.pk}").json()["counts"]["total"] == 3


def endpoints(pk: int) -> list[tuple[str, str, bool]]:
    """(method, path, writes) of every campaigns endpoint."""
    actions = [("post", f"{URL}/{pk}/{a}", True) for a in ("preflight", "start", "pause")]
    actions += [("post", f"{URL}/{pk}/{a}", True) for a in ("resume", "stop", "retry-failed")]
    return [
        ("get", URL, False),
        ("post", URL, True),
        ("get", f"{URL}/{pk}", False),
        ("put", f"{URL}/{pk}", True),
        ("patch", f"{URL}/{pk}", True),
        ("delete", f"{URL}/{pk}", True),
        ("get", f"{URL}/{pk}/recipients", False),
        *actions,
    ]


def test_sales_users_get_403_and_managers_only_read_on_every_endpoint(
    api, admin_user, manager_user, sales_user, company, template, body
):
    campaign = make_campaign(company, template, admin_user)
    for method, path, writes in endpoints(campaign.pk):
        sales = getattr(api(sales_user), method)(path, body, format="json")
        assert sales.status_code == 403, (method, path)
        assert sales.json()["errors"]["base"]
        manager = getattr(api(manager_user), method)(path, body, format="json")
        assert manager.status_code == (403 if writes else 200), (method, path)
    assert Campaign.objects.values_list("name", "status").get() == ("December offer", "draft")


def test_another_companys_campaign_is_a_404_on_every_endpoint(
    api, other_user, company, template, body
):
    other_user.role = Role.ADMIN
    other_user.save()
    campaign = make_campaign(company, template)
    for method, path, _ in endpoints(campaign.pk):
        if path == URL:
            continue
        response = getattr(api(other_user), method)(path, body, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json() == {"errors": {"base": ["Not found."]}, "code": "not_found"}
    assert Campaign.objects.values_list("name", "status").get() == ("December offer", "draft")


def test_a_form_body_carries_the_nested_fields_as_json(api, admin_user, template, club):
    """API.md: bodies may be form-encoded; the nested objects then come as JSON strings (as a
    template's do), and one that does not parse is a 422, never dropped (everyone)."""
    from urllib.parse import urlencode

    client = api(admin_user)
    form = {
        "name": "From a form",
        "template_id": template.pk,
        "variables": '{"1": {"field": "first_name"}}',
        "audience": f'{{"club_id": {club.pk}, "status": "lead"}}',
        "quiet_hours": '{"start": "21:00", "end": "08:00"}',
        "scheduled_at": "",
    }
    kind = "application/x-www-form-urlencoded"
    response = client.post(URL, urlencode(form), content_type=kind)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["audience"]["club_id"], data["audience"]["status"]) == (club.pk, "lead")
    assert data["quiet_hours"] == {"start": "21:00", "end": "08:00"}
    assert data["scheduled_at"] is None

    response = client.post(URL, urlencode({**form, "audience": "club_id=1"}), content_type=kind)
    assert_field_422(response, "audience")
    response = client.patch(f"{URL}/{data['id']}", urlencode({"audience": "[1"}), content_type=kind)
    assert_field_422(response, "audience")
    assert Campaign.objects.get(pk=data["id"]).audience == {"club_id": club.pk, "status": "lead"}


def test_retry_failed_requeues_temporary_failures_only(
    api, admin_user, company, club, template, whatsapp_on
):
    """Never a permanent failure (63003, 63024, …), never 63049 within 24 h of the failure."""
    from datetime import timedelta

    from django.utils import timezone

    from automations.models import CampaignRecipient

    now = timezone.now()
    campaign = make_campaign(company, template, admin_user, status="completed")
    failures = {
        "63003": now,
        "63024": now,
        "21610": now,
        "63049": now - timedelta(hours=23),
    }
    people = make_people(company, club, 6)
    for person, (code, at) in zip(people[:4], failures.items(), strict=True):
        CampaignRecipient.objects.create(
            company=company,
            campaign=campaign,
            person=person,
            state="failed",
            error_code=code,
            failed_at=at,
        )
    client = api(admin_user)
    response = client.post(f"{URL}/{campaign.pk}/retry-failed")
    assert response.status_code == 422
    assert response.json()["code"] == "nothing_to_retry"
    assert list(response.json()["errors"]) == ["base"]
    assert Campaign.objects.get(pk=campaign.pk).status == "completed"

    for person, (code, at) in zip(
        people[4:], [("63049", now - timedelta(hours=25)), ("", now)], strict=True
    ):
        CampaignRecipient.objects.create(
            company=company,
            campaign=campaign,
            person=person,
            state="failed",
            error_code=code,
            failed_at=at,
        )
    response = client.post(f"{URL}/{campaign.pk}/retry-failed")
    assert response.status_code == 202
    assert response.json()["status"] == "running"
    assert response.json()["counts"]["retrying"] == 2
    requeued = CampaignRecipient.objects.filter(campaign=campaign, state="queued", retrying=True)
    assert set(requeued.values_list("person_id", flat=True)) == {people[4].pk, people[5].pk}
    assert CampaignRecipient.objects.filter(campaign=campaign, state="failed").count() == 4
