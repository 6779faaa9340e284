"""Newsfeed > Activity and User Statistics through the API: exact figures on the fixed data set
(conftest), the CSV, permissions, isolation, bad input and pinned query counts."""

from __future__ import annotations

import csv
import io

import pytest

from tests.reporting.conftest import RANGE

ACTIVITY = "/api/v1/reports/whatsapp-activity"
USERS = "/api/v1/reports/user-statistics"


def by_day(*rows):
    return [{"date": d, "outbound": o, "inbound": i} for d, o, i in rows]


def test_activity_by_local_day_for_the_range(api, manager_user, data, counters_state):
    response = api(manager_user).get(ACTIVITY, RANGE)

    assert response.status_code == 200
    assert response.json() == {
        "outbound": 6,  # m1 m2 (10th), m3 m4 (11th; m5 was never sent), m8 m11 (12th)
        "inbound": 2,
        "by_day": by_day(("2026-01-10", 2, 1), ("2026-01-11", 2, 0), ("2026-01-12", 2, 1)),
    }


@pytest.mark.parametrize(
    ("club_name", "expected"),
    [
        ("north", by_day(("2026-01-10", 2, 1), ("2026-01-11", 0, 0), ("2026-01-12", 2, 0))),
        ("south", by_day(("2026-01-10", 0, 0), ("2026-01-11", 2, 0), ("2026-01-12", 0, 1))),
    ],
)
def test_activity_for_one_club_counts_its_people(api, manager_user, data, club_name, expected):
    params = {**RANGE, "club_id": getattr(data, club_name).pk}
    body = api(manager_user).get(ACTIVITY, params).json()

    assert body["by_day"] == expected
    assert body["outbound"] == sum(day["outbound"] for day in expected)
    assert body["inbound"] == sum(day["inbound"] for day in expected)


def test_activity_range_edges_are_local_midnights(api, manager_user, data):
    client = api(manager_user)
    # m9 at 23:59:59 on the 9th and m10 at 00:00 on the 13th are each on their own side.
    assert client.get(ACTIVITY, {"from": "2026-01-09", "to": "2026-01-09"}).json()["outbound"] == 1
    assert client.get(ACTIVITY, {"from": "2026-01-13", "to": "2026-01-13"}).json()["outbound"] == 1
    assert client.get(ACTIVITY, {"from": "2026-01-09", "to": "2026-01-13"}).json()["outbound"] == 8


def test_activity_without_dates_spans_the_messages_up_to_today(
    api, manager_user, data, time_machine
):
    time_machine.move_to("2026-01-15T12:00:00-05:00")
    body = api(manager_user).get(ACTIVITY).json()

    assert body["by_day"][0] == {"date": "2026-01-09", "outbound": 1, "inbound": 0}
    assert body["by_day"][-1] == {"date": "2026-01-15", "outbound": 0, "inbound": 0}
    assert len(body["by_day"]) == 7
    assert (body["outbound"], body["inbound"]) == (8, 2)


def test_activity_of_a_company_without_messages_is_empty(api, admin_user):
    assert api(admin_user).get(ACTIVITY).json() == {"outbound": 0, "inbound": 0, "by_day": []}


def test_user_statistics_counts_each_users_outbound_messages(
    api, manager_user, data, counters_state
):
    response = api(manager_user).get(USERS, RANGE)

    assert response.status_code == 200
    rows = [(row["name"], row["whatsapp_sent"]) for row in response.json()["collection"]]
    # Sue: m1 m2 m4 (m5 never sent); Sid: m3; Fay (inactive) sent m11 in range so she is listed;
    # Mia's m10 is after the range; Ida (inactive, nothing sent) is not listed.
    assert rows == [
        ("Sue Alpha", 3),
        ("Sid Beta", 1),
        ("Fay Gamma", 1),
        ("Mia Manager", 0),
        (manager_user.get_full_name(), 0),  # "Staff Member…": last names sort after "Manager"
    ]
    assert response.json()["pagination"]["total_entries"] == len(rows)


def test_user_statistics_for_one_club_lists_its_users(api, manager_user, data):
    body = api(manager_user).get(USERS, {**RANGE, "club_id": data.north.pk}).json()

    rows = [(row["user_id"], row["whatsapp_sent"]) for row in body["collection"]]
    # Sue's m4 went to a South person: the North report still counts it (she is North's user).
    assert rows == [(data.sales1.pk, 3), (data.former.pk, 1), (data.manager.pk, 0)]


def test_user_statistics_paginates(api, manager_user, data):
    body = api(manager_user).get(USERS, {**RANGE, "per_page": 2, "page": 2}).json()

    assert body["pagination"]["page"] == 2
    assert body["pagination"]["per_page"] == 2
    assert [row["user_id"] for row in body["collection"]] == [data.former.pk, data.manager.pk]
    assert body["pagination"]["total_pages"] == 3


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_activity_csv_is_a_streamed_attachment(api, manager_user, data):
    response = api(manager_user).get(ACTIVITY, {**RANGE, "format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="whatsapp-activity-2026-01-10-2026-01-12.csv"'
    )
    assert read_csv(response) == [
        ["date", "outbound", "inbound"],
        ["2026-01-10", "2", "1"],
        ["2026-01-11", "2", "0"],
        ["2026-01-12", "2", "1"],
    ]


def test_user_statistics_csv_has_every_row(api, manager_user, data):
    data.sales2.first_name = "=HYPERLINK(1)"
    data.sales2.save()
    response = api(manager_user).get(USERS, {**RANGE, "club_id": data.south.pk, "format": "csv"})

    assert response["Content-Disposition"] == (
        f'attachment; filename="user-statistics-2026-01-10-2026-01-12-club{data.south.pk}.csv"'
    )
    # A name a spreadsheet would run as a formula is written as text.
    assert read_csv(response) == [
        ["user_id", "name", "whatsapp_sent"],
        [str(data.sales2.pk), "'=HYPERLINK(1) Beta", "1"],
    ]


def test_csv_by_accept_header(api, manager_user, data):
    response = api(manager_user).get(ACTIVITY, RANGE, HTTP_ACCEPT="text/csv")

    assert read_csv(response)[0] == ["date", "outbound", "inbound"]


@pytest.mark.parametrize("path", [ACTIVITY, USERS])
def test_sales_users_are_refused(api, sales_user, path):
    response = api(sales_user).get(path)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("path", [ACTIVITY, USERS])
def test_csv_is_refused_to_sales_users_too(api, sales_user, path):
    response = api(sales_user).get(path, {"format": "csv"})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", [ACTIVITY, USERS])
def test_anonymous_is_401(api, path):
    response = api().get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize("path", [ACTIVITY, USERS])
def test_another_companys_club_is_404(api, manager_user, other_club, path):
    response = api(manager_user).get(path, {"club_id": other_club.pk})

    assert response.status_code == 404


def test_another_company_sees_only_its_own(api, other_user, data):
    body = api(other_user).get(ACTIVITY, RANGE).json()

    assert (body["outbound"], body["inbound"]) == (1, 1)
    users = api(other_user).get(USERS, RANGE).json()["collection"]
    assert {row["user_id"] for row in users} == {other_user.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "9999-12-31"}, "from"),
        ({"to": "2101-01-01"}, "to"),
        ({"from": "0001-01-01"}, "from"),
        ({"from": "2026-01-12", "to": "2026-01-10"}, "to"),
        ({"club_id": "north"}, "club_id"),
        ({"club_id": "-3"}, "club_id"),
        ({"from": "1990-01-01", "to": "2026-01-01"}, "from"),
    ],
)
def test_bad_filters_are_422_with_the_field(api, manager_user, params, field):
    response = api(manager_user).get(ACTIVITY, params)

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_bad_filters_with_csv_are_json_422(api, manager_user):
    response = api(manager_user).get(ACTIVITY, {"from": "x", "format": "csv"})

    assert response.status_code == 422
    assert response.json() == {"errors": {"from": ["Enter a date as YYYY-MM-DD."]}}


@pytest.mark.parametrize("club_id", ["9" * 30, "²", "1_000", "0"])
def test_a_club_id_that_is_no_id_is_422_not_500(api, manager_user, club_id):
    response = api(manager_user).get(USERS, {"club_id": club_id})

    assert response.status_code == 422
    assert "club_id" in response.json()["errors"]


def test_query_counts_are_pinned(api, manager_user, data, django_assert_max_num_queries):
    client = api(manager_user)
    # user (auth), club check, days
    with django_assert_max_num_queries(3):
        assert client.get(ACTIVITY, {**RANGE, "club_id": data.north.pk}).status_code == 200
    # user, bounds, days
    with django_assert_max_num_queries(3):
        assert client.get(ACTIVITY).status_code == 200
    # user, count, page
    with django_assert_max_num_queries(3):
        assert client.get(USERS, RANGE).status_code == 200
    with django_assert_max_num_queries(3):
        assert read_csv(client.get(USERS, {**RANGE, "format": "csv"}))
