"""Campaign pages through Django's test client: roles and two-company isolation."""

from __future__ import annotations

import pytest

from automations.models import Campaign
from tests.campaigns.conftest import make_campaign, make_people

pytestmark = pytest.mark.django_db


def test_sales_users_may_not_open_campaign_pages(client, sales_user, company, template):
    campaign = make_campaign(company, template)
    client.force_login(sales_user)
    for url in ("/campaigns/", "/campaigns/new/", f"/campaigns/{campaign.pk}/"):
        assert client.get(url).status_code == 403, url


def test_managers_read_admins_act(client, manager_user, admin_user, company, template, whatsapp_on):
    campaign = make_campaign(company, template, admin_user)
    client.force_login(manager_user)
    assert client.get("/campaigns/").status_code == 200
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "December offer" in page
    assert "data-confirm" not in page  # no actions for managers
    assert client.get("/campaigns/new/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/stop/").status_code == 403

    client.force_login(admin_user)
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Start this campaign?" not in page or "data-confirm" in page
    assert client.post(f"/campaigns/{campaign.pk}/stop/").status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "stopped"


def test_another_companys_campaign_pages_are_404(client, other_user, company, template):
    from gymsales.models import Role

    other_user.role = Role.ADMIN
    other_user.save()
    campaign = make_campaign(company, template)
    client.force_login(other_user)
    assert "December offer" not in client.get("/campaigns/").content.decode()
    for url in (f"/campaigns/{campaign.pk}/", f"/campaigns/{campaign.pk}/progress/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/campaigns/{campaign.pk}/stop/").status_code == 404
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_wizard_partials_count_the_audience_and_preflight(
    client, admin_user, company, club, template, whatsapp_on
):
    people = make_people(company, club, 5)
    people[0].whatsapp_opted_out = True
    people[0].save()
    client.force_login(admin_user)
    html = client.get(
        "/campaigns/new/audience/", {"club_id": club.pk, "template_id": template.pk, "preflight": 1}
    ).content.decode()
    assert '<strong id="audience-total">5</strong>' in html
    assert "<strong>4</strong> will be sent" in html
    html = client.get("/campaigns/new/template/", {"template_id": template.pk}).content.decode()
    assert "welcome to the gym" in html
    assert 'name="var_1_field"' in html


def test_the_wizard_saves_a_draft_with_its_preflight(
    client, admin_user, company, club, template, whatsapp_on
):
    make_people(company, club, 3)
    client.force_login(admin_user)
    response = client.post(
        "/campaigns/new/",
        {
            "name": "Spring offer",
            "template_id": template.pk,
            "club_id": club.pk,
            "var_1_field": "value",
            "var_1_value": "friend",
            "quiet_start": "21:00",
            "quiet_end": "08:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name="Spring offer")
    assert campaign.variables == {"1": {"value": "friend"}}
    assert campaign.audience == {"club_id": club.pk}
    assert campaign.preflight["will_send"] == 3
    assert str(campaign.quiet_hours_start) == "21:00:00"


def test_a_running_campaign_held_by_quiet_hours_says_until_when(
    client, admin_user, company, template
):
    from datetime import timedelta

    from django.utils import timezone

    local = timezone.now().astimezone(company.tzinfo).replace(second=0, microsecond=0)
    held = make_campaign(
        company,
        template,
        status="running",
        quiet_hours_start=(local - timedelta(hours=1)).time(),
        quiet_hours_end=(local + timedelta(hours=1)).time(),
    )
    free = make_campaign(
        company,
        template,
        name="Not held",
        status="running",
        quiet_hours_start=(local + timedelta(hours=2)).time(),
        quiet_hours_end=(local + timedelta(hours=3)).time(),
    )
    client.force_login(admin_user)
    resume = (local + timedelta(hours=1)).strftime("%H:%M")
    for url in (f"/campaigns/{held.pk}/", f"/campaigns/{held.pk}/progress/"):
        page = client.get(url).content.decode()
        assert f"Held by quiet hours: sending resumes at {resume} ({company.tzinfo})" in page, url
    assert "Held by quiet hours" not in client.get(f"/campaigns/{free.pk}/").content.decode()
    held.status = "paused"
    held.save()
    assert "Held by quiet hours" not in client.get(f"/campaigns/{held.pk}/").content.decode()


def test_a_scheduled_campaign_offers_no_start_button_it_would_ignore(
    client, admin_user, company, template
):
    from datetime import timedelta

    from django.utils import timezone

    draft = make_campaign(company, template)
    scheduled = make_campaign(
        company, template, status="scheduled", scheduled_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(admin_user)
    assert (
        f'action="/campaigns/{draft.pk}/start/"'
        in client.get(f"/campaigns/{draft.pk}/").content.decode()
    )
    page = client.get(f"/campaigns/{scheduled.pk}/").content.decode()
    assert f'action="/campaigns/{scheduled.pk}/start/"' not in page
    assert f'action="/campaigns/{scheduled.pk}/stop/"' in page


def test_the_wizard_numbers_its_steps_in_page_order(client, admin_user, company, template):
    import re

    client.force_login(admin_user)
    page = client.get("/campaigns/new/").content.decode()
    # Choosing a template loads its preview and variables into the template step (htmx).
    step = client.get("/campaigns/new/template/", {"template_id": template.pk}).content.decode()
    page = page.replace('<div id="template-step">', '<div id="template-step">' + step, 1)
    steps = [int(n) for n in re.findall(r"<legend>(\d)\. ", page)]
    assert steps == [1, 2, 3, 4, 5]
