"""The Bulk WhatsApp report: exact buckets on a fixed campaign, the 72-hour reply window's and the
30-day window's edges, each bucket's people, retargeting, CSV, permissions and isolation.

Campaign "January promo" reached its recipients at T = 10 Jan 2026 10:00 New York:

| who | club  | state     | sent_at | facts                                                        |
| Ann | North | read      | T       | reply at T+72h (counts), sale won at T+30d (counts)          |
| Ben | North | read      | T       | reply at T+72h+1s (late), appointment at T+30d+1s (late)     |
| Cat | North | delivered | T       | reply at T+1h, sale at T-1s (before: no), appointment T+1d   |
| Dan | North | sent      | T       | opted out of WhatsApp at T+2h                                |
| Eve | North | failed    | —       | 63049 (limited by Meta); a sale at T+1d (never reached: no)  |
| Fay | North | failed    | T       | 63016 after Twilio accepted it                               |
| Gus | North | not_sent  | —       | refused at send time                                         |
| Hal | North | excluded  | —       | no mobile (never attempted)                                  |
| Ivy | South | delivered | T       | appointment booked at T+29d                                  |
| Jon | North | queued    | —       | not sent yet                                                 |
"""

from __future__ import annotations

import csv
import io

import pytest

from automations.campaigns.models import Campaign
from tests.reporting.conftest import LIST, RANGE

ALL_CLUBS = {
    "attempted": 9,
    "sent": 6,
    "delivered": 4,
    "read": 2,
    "replied": 2,
    "opted_out": 1,
    "limited_by_meta": 1,
    "failed": 1,
    "sales_won_30d": 1,
    "appointments_booked_30d": 2,
}
NORTH = {**ALL_CLUBS, "attempted": 8, "sent": 5, "delivered": 3, "appointments_booked_30d": 1}


def test_each_campaign_of_the_range_with_its_buckets(api, manager_user, promo, welcome_template):
    response = api(manager_user).get(LIST, RANGE)

    assert response.status_code == 200
    assert response.json()["collection"] == [
        {
            "id": promo.campaign.pk,
            "name": "January promo",
            "template_id": welcome_template.pk,
            "started_at": "2026-01-10T09:00:00-05:00",
            **ALL_CLUBS,
        }
    ]


def test_one_club_counts_its_recipients(api, manager_user, data, promo):
    rows = api(manager_user).get(LIST, {**RANGE, "club_id": data.north.pk}).json()["collection"]

    assert [{k: v for k, v in row.items() if k in NORTH} for row in rows] == [NORTH]


def test_without_dates_every_started_campaign_newest_first(api, manager_user, promo):
    rows = api(manager_user).get(LIST).json()["collection"]

    assert [row["name"] for row in rows] == ["Later", "January promo"]
    assert rows[0]["attempted"] == rows[0]["sent"] == 1


def people_of(api, user, campaign, **params):
    response = api(user).get(f"{LIST}/{campaign.pk}/people", params)
    assert response.status_code == 200, response.json()
    return sorted(person["first_name"] for person in response.json()["collection"])


@pytest.mark.parametrize(
    ("bucket", "names"),
    [
        ("attempted", ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay", "Gus", "Ivy", "Jon"]),
        ("sent", ["Ann", "Ben", "Cat", "Dan", "Fay", "Ivy"]),
        ("delivered", ["Ann", "Ben", "Cat", "Ivy"]),
        ("read", ["Ann", "Ben"]),
        ("replied", ["Ann", "Cat"]),  # Ann at exactly 72 h; Ben 1 s late
        ("opted_out", ["Dan"]),
        ("limited_by_meta", ["Eve"]),
        ("failed", ["Fay"]),
        ("sales_won_30d", ["Ann"]),  # at exactly 30 days; Cat's was before, Eve never reached
        ("appointments_booked_30d", ["Cat", "Ivy"]),  # Ben's 1 s after 30 days
    ],
)
def test_every_bucket_opens_its_people(api, manager_user, promo, bucket, names):
    assert people_of(api, manager_user, promo.campaign, bucket=bucket) == names


def test_read_but_did_not_reply(api, manager_user, promo):
    assert people_of(api, manager_user, promo.campaign, bucket="read", without="replied") == ["Ben"]


def test_bucket_people_have_the_people_api_fields(api, manager_user, promo):
    body = (
        api(manager_user).get(f"{LIST}/{promo.campaign.pk}/people", {"bucket": "opted_out"}).json()
    )
    (person,) = body["collection"]

    assert person["id"] == promo.people["Dan"].pk
    assert set(person) >= {"first_name", "phone_mobile", "club_id", "status", "whatsapp"}
    assert body["pagination"]["total_entries"] == 1


def test_bucket_people_of_one_club(api, manager_user, data, promo):
    names = people_of(api, manager_user, promo.campaign, bucket="delivered", club_id=data.south.pk)
    assert names == ["Ivy"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "bucket"),
        ({"bucket": "clicked"}, "bucket"),
        ({"bucket": "read", "without": "x"}, "without"),
    ],
)
def test_a_bad_bucket_is_422(api, manager_user, promo, params, field):
    response = api(manager_user).get(f"{LIST}/{promo.campaign.pk}/people", params)

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_another_companys_campaign_is_404(api, other_user, promo):
    response = api(other_user).get(f"{LIST}/{promo.campaign.pk}/people", {"bucket": "sent"})
    assert response.status_code == 404
    assert api(other_user).get(LIST).json()["collection"] == []


def test_sales_users_are_refused(api, sales_user, promo):
    assert api(sales_user).get(LIST).status_code == 403
    assert api(sales_user).get(f"{LIST}/{promo.campaign.pk}/people?bucket=sent").status_code == 403


def read_csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_csv_of_the_report(api, manager_user, promo, welcome_template):
    response = api(manager_user).get(LIST, {**RANGE, "format": "csv"})

    assert response["Content-Disposition"] == (
        'attachment; filename="bulk-whatsapp-2026-01-10-2026-01-12.csv"'
    )
    assert read_csv(response) == [
        ["id", "name", "template_id", "started_at", *ALL_CLUBS],
        [
            str(promo.campaign.pk),
            "January promo",
            str(welcome_template.pk),
            "2026-01-10T09:00:00-05:00",
            *(str(v) for v in ALL_CLUBS.values()),
        ],
    ]


def test_csv_of_a_bucket(api, manager_user, promo):
    response = api(manager_user).get(
        f"{LIST}/{promo.campaign.pk}/people",
        {"bucket": "read", "without": "replied", "format": "csv"},
    )
    ben = promo.people["Ben"]

    assert response["Content-Disposition"] == (
        f'attachment; filename="campaign-{promo.campaign.pk}-read-without-replied.csv"'
    )
    assert read_csv(response) == [
        [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone_mobile",
            "club_id",
            "owner_id",
            "status",
            "whatsapp_opted_out",
        ],
        [
            str(ben.pk),
            "Ben",
            ben.last_name,
            ben.email,
            ben.phone_mobile,
            str(ben.club_id),
            "",
            "lead",
            "False",
        ],
    ]


def test_query_counts_are_pinned(api, manager_user, promo, django_assert_max_num_queries):
    client = api(manager_user)
    # user, count, page of campaigns, JIT off, one aggregate for the page
    with django_assert_max_num_queries(5):
        assert client.get(LIST, RANGE).status_code == 200
    # user, campaign, JIT off, count, page, the people's WhatsApp block (settings, counts, sessions)
    with django_assert_max_num_queries(8):
        assert client.get(f"{LIST}/{promo.campaign.pk}/people?bucket=attempted").status_code == 200


# --- Pages ------------------------------------------------------------------------------------


def test_campaign_page_shows_the_funnel_and_buckets(client, manager_user, promo):
    client.force_login(manager_user)
    response = client.get(f"/reports/bulk-whatsapp/{promo.campaign.pk}/")

    assert response.context["chart"] == {
        "labels": ["Attempted", "Sent", "Delivered", "Read", "Replied (72 h)"],
        "values": [9, 6, 4, 2, 2],
    }
    assert '<td id="bucket-limited_by_meta">1</td>' in response.content.decode()


def test_report_page_lists_campaigns_with_bucket_links(client, manager_user, promo):
    client.force_login(manager_user)
    html = client.get("/reports/bulk-whatsapp/", RANGE).content.decode()

    assert "January promo" in html
    assert f'href="/reports/bulk-whatsapp/{promo.campaign.pk}/people/?bucket=replied"' in html
    assert "Later" not in html


def test_admin_retargets_read_but_not_replied(client, admin_user, promo, welcome_template):
    client.force_login(admin_user)
    response = client.post(
        f"/reports/bulk-whatsapp/{promo.campaign.pk}/retarget/",
        {
            "bucket": "read",
            "without": "replied",
            "name": "Nudge",
            "template_id": welcome_template.pk,
        },
    )

    assert response.status_code == 302
    new = Campaign.objects.get(name="Nudge")
    assert (new.status, new.audience, new.template_id, new.created_by_id) == (
        "draft",
        {"person_ids": [promo.people["Ben"].pk]},
        welcome_template.pk,
        admin_user.pk,
    )


def test_retargeting_needs_an_approved_template_and_an_admin(
    client, admin_user, manager_user, promo
):
    client.force_login(admin_user)
    response = client.post(
        f"/reports/bulk-whatsapp/{promo.campaign.pk}/retarget/",
        {"bucket": "read", "name": "Nudge", "template_id": "999999999999999999999"},
        follow=True,
    )
    assert "Choose an approved template." in response.content.decode()
    client.force_login(manager_user)
    response = client.post(
        f"/reports/bulk-whatsapp/{promo.campaign.pk}/retarget/", {"bucket": "read", "name": "X"}
    )
    assert response.status_code == 403
    assert not Campaign.objects.filter(name__in=["Nudge", "X"]).exists()


def test_sales_users_get_403_on_the_pages(client, sales_user, promo):
    client.force_login(sales_user)
    for path in [
        "/reports/bulk-whatsapp/",
        f"/reports/bulk-whatsapp/{promo.campaign.pk}/",
        f"/reports/bulk-whatsapp/{promo.campaign.pk}/people/?bucket=sent",
    ]:
        assert client.get(path).status_code == 403
