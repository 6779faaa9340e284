"""Reports pages (Django test client): who may open them, the figures and filters they show."""

from __future__ import annotations

import json

import pytest

from tests.reporting.conftest import RANGE

PAGES = ["/reports/", "/reports/activity/", "/reports/user-statistics/"]


@pytest.mark.parametrize("path", PAGES)
def test_sales_users_get_403(client, sales_user, path):
    client.force_login(sales_user)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_goes_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", PAGES)
def test_managers_and_admins_open_them(client, manager_user, admin_user, path):
    for user in (manager_user, admin_user):
        client.force_login(user)
        assert client.get(path).status_code == 200


def test_activity_page_shows_totals_days_chart_data_and_csv_link(client, manager_user, data):
    client.force_login(manager_user)
    response = client.get("/reports/activity/", {**RANGE, "club_id": data.north.pk})
    html = response.content.decode()

    assert response.context["activity"]["outbound"] == 4
    assert '<strong id="total-outbound">4</strong>' in html
    assert '<strong id="total-inbound">1</strong>' in html
    chart = json.loads(
        html.split('id="activity-chart-data" type="application/json">')[1].split("</script>")[0]
    )
    assert chart == {
        "labels": ["2026-01-10", "2026-01-11", "2026-01-12"],
        "outbound": [2, 0, 2],
        "inbound": [1, 0, 0],
    }
    assert (
        f'href="/api/v1/reports/whatsapp-activity?from=2026-01-10&amp;to=2026-01-12&amp;'
        f'club_id={data.north.pk}&amp;format=csv"' in html
    )
    assert "/static/reporting/vendor/chart-4.5.0.umd.min.js" in html


def test_activity_page_defaults_to_the_last_30_days(client, manager_user, data, time_machine):
    time_machine.move_to("2026-01-31T12:00:00-05:00")
    client.force_login(manager_user)
    activity = client.get("/reports/activity/").context["activity"]

    assert [activity["by_day"][0]["date"].isoformat(), len(activity["by_day"])] == [
        "2026-01-02",
        30,
    ]
    assert (activity["outbound"], activity["inbound"]) == (8, 2)


def test_bad_dates_show_the_error_and_no_report(client, manager_user):
    client.force_login(manager_user)
    response = client.get("/reports/activity/", {"from": "2026-02-10", "to": "2026-02-01"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "Must be on or after from." in html
    assert "activity" not in response.context
    assert 'value="2026-02-10"' in html  # what was typed stays in the form


def test_another_companys_club_is_404(client, manager_user, other_club):
    client.force_login(manager_user)
    assert client.get("/reports/activity/", {"club_id": other_club.pk}).status_code == 404


def test_user_statistics_page_lists_users_and_counts(client, manager_user, data):
    client.force_login(manager_user)
    response = client.get("/reports/user-statistics/", RANGE)
    rows = [(user.get_full_name(), user.whatsapp_sent) for user in response.context["page"]]

    assert rows[:3] == [("Sue Alpha", 3), ("Sid Beta", 1), ("Fay Gamma", 1)]
    assert "<td>Sue Alpha</td>" in response.content.decode()


def test_pages_query_counts_are_pinned(client, manager_user, data, django_assert_max_num_queries):
    client.force_login(manager_user)
    # session, user, clubs, bounds/days … a fixed number whatever the data
    with django_assert_max_num_queries(6):
        client.get("/reports/activity/", RANGE)
    with django_assert_max_num_queries(7):
        client.get("/reports/user-statistics/", RANGE)


def test_newsfeed_activity_counts_as_the_report_and_links_to_it(client, manager_user, data):
    client.force_login(manager_user)
    html = client.get("/newsfeed/", RANGE).content.decode()

    # the Activity report's outbound total for the range (m5, never sent, is left out)
    assert "6 WhatsApp messages sent in this date range." in html
    assert '<a href="/reports/activity/">Activity report</a>' in html
