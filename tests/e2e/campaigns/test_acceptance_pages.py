"""Acceptance of issue 11, item 7, in real Chromium with a real worker and the Twilio stand-in:
the actions the other browser test leaves out (resume, stop, retry failed — each confirmed, a
dismissed one doing nothing), recipients filtered by state, the list's status and progress, and
every campaign page usable at a phone's width (no sideways scrolling of the page)."""

from __future__ import annotations

from datetime import time

import pytest
from playwright.sync_api import expect

from automations.campaigns import services
from automations.models import Campaign, CampaignRecipient
from gymsales.models import Person
from tests.campaigns.conftest import make_campaign, make_people
from tests.conftest import log_in, screenshot
from tests.waits import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _act(page, label: str, *, accept: bool = True) -> None:
    page.once("dialog", lambda dialog: dialog.accept() if accept else dialog.dismiss())
    page.locator("#campaign-progress").get_by_role("button", name=label, exact=True).click()


def _rows(page):
    return page.get_by_label("Recipient list").locator("tbody tr")


@pytest.mark.worker
def test_retry_failed_from_the_page_and_recipients_by_state(
    page, campaign_worker, standin, admin_user, company, club, template, whatsapp_on
):
    people = make_people(company, club, 12)
    Person.objects.filter(pk=people[0].pk).update(whatsapp_opted_out=True)
    campaign = make_campaign(company, template, admin_user, name="Spring relaunch")
    log_in(page, admin_user.email)
    page.goto(f"/campaigns/{campaign.pk}/")
    _act(page, "Start")
    page.wait_for_url(f"**/campaigns/{campaign.pk}/")
    page.evaluate("window.__noReload = true")
    # It finishes and the page says so by itself.
    expect(page.locator("#campaign-status")).to_have_text("Completed", timeout=60_000)
    assert page.evaluate("window.__noReload") is True
    expect(page.locator("#campaign-progress-value")).to_have_text("100%")

    # Twilio reports two failures: one permanent (not on WhatsApp), one temporary.
    by_person = {r.person_id: r for r in CampaignRecipient.objects.filter(campaign=campaign)}
    services.recipients_follow_status(
        message_ids=[by_person[people[1].pk].message_id], status="failed", error_code="63024"
    )
    services.recipients_follow_status(
        message_ids=[by_person[people[2].pk].message_id], status="undelivered", error_code="30003"
    )
    page.reload()
    expect(page.locator('[data-count="failed"]')).to_have_text("2")

    filters = page.get_by_label("Recipients by state")
    filters.get_by_role("link", name="Failed").click()
    expect(_rows(page)).to_have_count(2)
    expect(_rows(page).filter(has_text="P1 Test")).to_contain_text("63024")
    expect(_rows(page).filter(has_text="P2 Test")).to_contain_text("30003")
    expect(filters.get_by_role("link", name="Failed")).to_have_attribute("aria-current", "true")
    filters.get_by_role("link", name="Excluded").click()
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page)).to_contain_text("opted_out")
    filters.get_by_role("link", name="All").click()
    expect(_rows(page)).to_have_count(12)

    sent_before = standin.count()
    _act(page, "Retry failed", accept=False)
    expect(page.locator("#campaign-status")).to_have_text("Completed")
    assert standin.count() == sent_before

    _act(page, "Retry failed")
    page.wait_for_url(f"**/campaigns/{campaign.pk}/")
    assert wait_for(lambda: standin.count() == sent_before + 1, timeout=60)
    expect(page.locator("#campaign-status")).to_have_text("Completed", timeout=60_000)
    again = standin.per_recipient()
    assert again[f"whatsapp:{people[2].phone_mobile}"] == 2  # temporary: sent again
    assert again[f"whatsapp:{people[1].phone_mobile}"] == 1  # permanent: never
    screenshot(page, "campaign-retried")

    page.goto("/campaigns/")
    row = page.get_by_role("row").filter(has_text="Spring relaunch")
    expect(row).to_contain_text("Completed")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")


@pytest.mark.worker
def test_resume_and_stop_from_the_page_each_confirmed(
    page, campaign_worker, standin, admin_user, company, club, template, whatsapp_on
):
    whatsapp_on.max_messages_per_second = 20
    whatsapp_on.save()
    make_people(company, club, 400)
    campaign = make_campaign(company, template, admin_user, name="Slow burn")
    log_in(page, admin_user.email)
    page.goto(f"/campaigns/{campaign.pk}/")
    _act(page, "Start")
    expect(page.locator("#campaign-status")).to_have_text("Running", timeout=60_000)
    page.evaluate("window.__noReload = true")
    assert wait_for(lambda: standin.count() > 0, timeout=60)
    # The recipients (made once it started) appear under the counts without a reload.
    expect(_rows(page).filter(has_text="Sending").first).to_be_visible(timeout=30_000)
    assert page.evaluate("window.__noReload") is True
    _act(page, "Pause")
    expect(page.locator("#campaign-status")).to_have_text("Paused", timeout=30_000)

    _act(page, "Resume", accept=False)
    expect(page.locator("#campaign-status")).to_have_text("Paused")
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"

    _act(page, "Resume")
    expect(page.locator("#campaign-status")).to_have_text("Running", timeout=30_000)
    # Nothing has failed: there is nothing to retry, so no such button.
    expect(page.locator("#campaign-progress").get_by_role("button", name="Pause")).to_be_visible()
    expect(page.get_by_role("button", name="Retry failed")).to_have_count(0)
    at_resume = standin.count()
    assert wait_for(lambda: standin.count() > at_resume, timeout=60)

    _act(page, "Stop")
    expect(page.locator("#campaign-status")).to_have_text("Stopped", timeout=30_000)
    progress = page.locator("#campaign-progress")
    expect(progress.get_by_role("button")).to_have_count(0)  # final: nothing more to do
    assert Campaign.objects.get(pk=campaign.pk).status == "stopped"
    assert wait_for(
        lambda: (
            not CampaignRecipient.objects.filter(
                campaign=campaign, state__in=["queued", "sending"], sent_at__isnull=True
            ).exists()
        ),
        timeout=30,
    )
    expect(page.locator('[data-count="not_sent"]')).not_to_have_text("0", timeout=30_000)
    assert set(standin.per_recipient().values()) == {1}


def test_the_campaign_pages_fit_a_phone(page, admin_user, company, club, template, whatsapp_on):
    make_people(company, club, 8)
    campaign = make_campaign(
        company,
        template,
        admin_user,
        name="Phone check",
        quiet_hours_start=time(21, 0),
        quiet_hours_end=time(8, 0),
    )
    services.campaign_preflight(campaign=campaign)
    services.campaign_fan_out(campaign_id=campaign.pk)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, admin_user.email)
    for name, url in (
        ("list", "/campaigns/"),
        ("detail", f"/campaigns/{campaign.pk}/"),
        ("wizard", "/campaigns/new/"),
    ):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        screenshot(page, f"campaign-phone-{name}")
        assert width[0] <= width[1], f"{url}: the page is {width[0]}px wide on a {width[1]}px phone"
    # The wide tables scroll inside their card, and all of their cells are still there.
    page.goto(f"/campaigns/{campaign.pk}/")
    # Quiet hours are the club's (here the company's) wall clock, and the page says whose.
    expect(page.locator("h1 + p")).to_contain_text(f"quiet hours 21:00–08:00 ({company.time_zone})")
    expect(page.locator('[data-count="limited_by_meta"]')).to_be_attached()
    expect(page.get_by_label("Recipient list").locator("tbody tr")).to_have_count(8)
