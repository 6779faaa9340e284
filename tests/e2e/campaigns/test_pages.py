"""Campaign pages in real Chromium: the wizard (template preview, live audience count, variables,
pre-flight), and a running campaign whose progress bar moves without a reload, paused from the
page with a confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from automations.models import Campaign
from tests.campaigns.conftest import make_campaign, make_people
from tests.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_builds_a_campaign_in_the_wizard(
    page, admin_user, company, club, template, whatsapp_on
):
    people = make_people(company, club, 12)
    people[0].whatsapp_opted_out = True
    people[0].save()
    people[1].phone_mobile = ""
    people[1].save()
    log_in(page, admin_user.email)
    page.goto("/campaigns/")
    page.get_by_role("link", name="New campaign").click()

    page.get_by_label("Name").fill("January comeback")
    page.get_by_label("Template").select_option(str(template.pk))
    expect(page.get_by_label("Template preview")).to_contain_text("welcome to the gym")
    expect(page.get_by_label("Variable {{1}}")).to_have_value("first_name")

    expect(page.locator("#audience-total")).to_have_text("12")
    page.get_by_label("Status").select_option("member")
    expect(page.locator("#audience-total")).to_have_text("0")
    page.get_by_label("Status").select_option("")
    expect(page.locator("#audience-total")).to_have_text("12")

    page.get_by_role("button", name="Run pre-flight").click()
    preflight = page.get_by_label("Pre-flight")
    expect(preflight).to_contain_text("10 will be sent")
    expect(preflight.get_by_role("row", name="Opted out")).to_contain_text("1")
    expect(preflight.get_by_role("row", name="No mobile number")).to_contain_text("1")
    screenshot(page, "campaigns-wizard")

    page.get_by_role("button", name="Save campaign").click()
    page.wait_for_url("**/campaigns/*/")
    expect(page.get_by_role("heading", name="January comeback")).to_be_visible()
    expect(page.get_by_label("Pre-flight")).to_contain_text("10 will be sent")
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    screenshot(page, "campaign-draft")
    assert Campaign.objects.get().preflight["excluded"]["no_mobile"] == 1


@pytest.mark.worker
def test_progress_moves_without_reload_and_pause_is_confirmed(
    page, campaign_worker, standin, admin_user, company, club, template, whatsapp_on
):
    whatsapp_on.max_messages_per_second = 20
    whatsapp_on.save()
    make_people(company, club, 400)
    campaign = make_campaign(company, template, admin_user, name="Big winter push")
    log_in(page, admin_user.email)
    page.goto(f"/campaigns/{campaign.pk}/")
    page.evaluate("window.__noReload = true")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#campaign-status")).to_have_text("Running", timeout=60_000)
    page.evaluate("window.__noReload = true")  # the Start form posted; from here, no reload
    first = int(page.locator("#campaign-progress-value").inner_text().rstrip("%"))
    page.wait_for_function(
        f"() => parseInt(document.querySelector('#campaign-progress-value').textContent) > {first}",
        timeout=60_000,
    )
    assert page.evaluate("window.__noReload") is True
    screenshot(page, "campaign-progress")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#campaign-status")).to_have_text("Paused", timeout=30_000)
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"

    # A dismissed confirmation does nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Stop").click()  # waits for any navigation it starts
    expect(page.locator("#campaign-status")).to_have_text("Paused")
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"
