"""Reports pages in real Chromium: the chart is drawn by the app's own Chart.js, filters and CSV work."""

from __future__ import annotations

import pytest

from automations.campaigns.models import Campaign
from reporting.counters import fold_deltas
from tests.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_reads_activity_with_its_chart_and_downloads_csv(page, manager_user, data):
    fold_deltas()
    log_in(page, manager_user.email)
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Newsfeed > Activity").click()
    page.get_by_label("From", exact=True).fill("2026-01-10")
    page.get_by_label("To", exact=True).fill("2026-01-12")
    page.get_by_label("Club").select_option(label="North")
    page.get_by_role("button", name="Apply").click()

    page.wait_for_selector('#activity-chart[data-drawn="true"]')
    assert page.locator("#total-outbound").inner_text() == "4"
    assert page.locator("#total-inbound").inner_text() == "1"
    assert page.evaluate("() => window.Chart.version") == "4.5.0"
    drawn = page.evaluate(
        "() => window.Chart.getChart('activity-chart').data.datasets.map(d => d.data)"
    )
    assert drawn == [[2, 0, 2], [1, 0, 0]]
    rows = page.get_by_role("table", name="WhatsApp activity by day").locator("tbody tr")
    assert rows.count() == 3
    screenshot(page, "reports-activity")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert (
        download.suggested_filename
        == f"whatsapp-activity-2026-01-10-2026-01-12-club{data.north.pk}.csv"
    )
    with open(download.path()) as f:
        assert f.read().splitlines() == [
            "date,outbound,inbound",
            "2026-01-10,2,1",
            "2026-01-11,0,0",
            "2026-01-12,2,0",
        ]


def test_manager_reads_user_statistics(page, manager_user, data):
    log_in(page, manager_user.email)
    page.goto("/reports/user-statistics/?from=2026-01-10&to=2026-01-12")

    table = page.get_by_role("table", name="WhatsApp messages sent per user")
    first = table.locator("tbody tr").first
    assert first.locator("td").all_inner_texts() == ["Sue Alpha", data.sales1.email, "3"]
    screenshot(page, "reports-user-statistics")


def test_sales_user_has_no_reports_link_and_is_refused(page, sales_user):
    log_in(page, sales_user.email)
    assert page.get_by_role("link", name="Reports").count() == 0
    response = page.goto("/reports/activity/")
    assert response.status == 403


def test_admin_reads_a_campaign_funnel_opens_a_bucket_and_retargets_it(
    page, admin_user, promo, welcome_template
):
    log_in(page, admin_user.email)
    page.goto("/reports/bulk-whatsapp/?from=2026-01-10&to=2026-01-12")
    table = page.get_by_role("table", name="Bulk WhatsApp campaigns")
    assert table.get_by_role("link", name="Replied (72 h): 2 in January promo").is_visible()
    screenshot(page, "reports-bulk-whatsapp")

    table.get_by_role("link", name="January promo", exact=True).click()
    page.wait_for_selector('#funnel-chart[data-drawn="true"]')
    drawn = page.evaluate("() => window.Chart.getChart('funnel-chart').data.datasets[0].data")
    assert drawn == [9, 6, 4, 2, 2]
    screenshot(page, "reports-bulk-campaign-funnel")

    page.get_by_role("table", name="Buckets").get_by_role("link", name="Read", exact=True).click()
    page.get_by_label("Leave out").select_option(label="Replied (72 h)")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**without=replied**")
    people = page.get_by_role("table", name="People in the bucket").locator("tbody tr")
    assert people.all_inner_texts()[0].startswith("Ben")
    assert people.count() == 1

    page.get_by_label("Template").select_option(str(welcome_template.pk))
    screenshot(page, "reports-bulk-bucket-retarget")
    page.get_by_role("button", name="Create draft campaign").click()
    page.get_by_role("status").wait_for()
    assert "created for 1 people" in page.get_by_role("status").inner_text()
    new = Campaign.objects.get(status="draft", audience__person_ids=[promo.people["Ben"].pk])
    assert new.template_id == welcome_template.pk
