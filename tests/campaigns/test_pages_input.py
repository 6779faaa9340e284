"""The campaign pages against careless input (never a 500: the form names the field), and every
page and action's roles and two-company isolation."""

from __future__ import annotations

import pytest

from automations.models import Campaign
from gymsales.models import Role
from tests.campaigns.conftest import make_campaign

pytestmark = pytest.mark.django_db
ACTIONS = ("preflight", "start", "pause", "resume", "stop", "retry-failed")


@pytest.mark.parametrize(
    ("junk", "message"),
    [
        ({"created_before": "9999-12-31"}, "Must be between the years 1900 and 2100."),
        ({"created_after": "0001-01-01"}, "Must be between the years 1900 and 2100."),
        ({"last_contacted_before": "9999-12-31"}, "Must be between the years 1900 and 2100."),
        ({"scheduled_at": "9999-12-31T23:59"}, "Must be between the years 1900 and 2100."),
        (
            {"created_after": "2026-05-01", "created_before": "2026-01-01"},
            "Must be on or after created_after.",
        ),
        ({"quiet_start": "21:00", "quiet_end": "21:00"}, "Start and end must differ."),
    ],
)
def test_the_wizard_names_a_bad_value_and_saves_nothing(
    client, admin_user, template, whatsapp_on, junk, message
):
    client.force_login(admin_user)
    form = {"name": "Offer", "template_id": template.pk, "var_1_field": "first_name", **junk}
    response = client.post("/campaigns/new/", form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()
    # The live count of the same filters answers too (the bad filter is left out).
    assert client.get("/campaigns/new/audience/", {**form, "preflight": 1}).status_code == 200


def pages(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", "/campaigns/"),
        ("get", "/campaigns/new/"),
        ("get", "/campaigns/new/template/"),
        ("get", "/campaigns/new/audience/"),
        ("get", f"/campaigns/{pk}/"),
        ("get", f"/campaigns/{pk}/progress/"),
        *(("post", f"/campaigns/{pk}/{action}/") for action in ACTIONS),
    ]


def test_sales_users_get_403_on_every_campaign_page_and_action(
    client, sales_user, company, template
):
    campaign = make_campaign(company, template)
    client.force_login(sales_user)
    for method, url in pages(campaign.pk):
        assert getattr(client, method)(url).status_code == 403, url
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_another_companys_campaign_is_a_404_on_every_page_and_action(
    client, other_user, company, template
):
    other_user.role = Role.ADMIN
    other_user.save()
    campaign = make_campaign(company, template)
    client.force_login(other_user)
    for method, url in pages(campaign.pk):
        if str(campaign.pk) in url:
            assert getattr(client, method)(url).status_code == 404, url
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"
    assert Campaign.objects.get(pk=campaign.pk).preflight is None
