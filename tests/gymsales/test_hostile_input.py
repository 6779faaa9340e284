"""API.md Conventions: never a 500 for any input (issue 9 item 15).

Bodies over 1 MiB → 413; malformed or absurdly deep JSON → 400; dates outside 1900–2100 → 422 on
the field; timestamps always carry a whole-minute offset; ids are ASCII digits only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gymsales.models import Appointment
from gymsales.parsing import parse_date, parse_id

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024


# --- Bodies -----------------------------------------------------------------------------------


def test_json_of_50000_brackets_is_400(api, admin_user, snapshot):
    before = snapshot()

    response = api(admin_user).post("/api/v1/people", "[" * 50_000, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"]["base"]
    assert snapshot() == before


def test_json_nested_past_the_depth_cap_is_400(api, admin_user, person):
    deep = {"first_name": "Eve", "source_name": None}
    value: object = "x"
    for _ in range(40):
        value = [value]
    deep["source_name"] = value

    response = api(admin_user).put(
        f"/api/v1/people/{person.pk}", json.dumps(deep), content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested" in response.json()["errors"]["base"][0]


def test_json_null_body_is_a_validation_error_not_a_parse_error(api, admin_user):
    response = api(admin_user).post("/api/v1/people", "null", content_type="application/json")

    assert response.status_code == 422


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_body_over_1_mib_is_413_and_nothing_stored(api, admin_user, snapshot, content_type):
    before = snapshot()
    filler = "x" * (MIB + 10)
    body = (
        json.dumps({"first_name": "Eve", "source_name": filler})
        if content_type == "application/json"
        else f"first_name=Eve&source_name={filler}"
    )

    response = api(admin_user).post("/api/v1/people", body, content_type=content_type)

    assert response.status_code == 413
    assert response.json() == {
        "errors": {"base": ["The request body is larger than 1 MiB."]},
        "code": "request_too_large",
    }
    assert snapshot() == before


def test_body_just_under_1_mib_is_parsed(api, admin_user):
    body = json.dumps({"first_name": "Eve", "source_name": "x" * (MIB - 100)})

    response = api(admin_user).post("/api/v1/people", body, content_type="application/json")

    assert response.status_code == 422  # parsed, then refused by the field's max_length
    assert "source_name" in response.json()["errors"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json; charset=no-such-charset", '{"first_name": "Eve"}'),
        ("application/x-www-form-urlencoded; charset=zz", "first_name=Eve"),
    ],
)
def test_unknown_charset_is_read_as_utf8(api, admin_user, content_type, body):
    response = api(admin_user).post("/api/v1/people", body, content_type=content_type)

    assert response.status_code == 201
    assert response.json()["first_name"] == "Eve"


def test_too_many_form_fields_is_400(api, admin_user, settings):
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = api(admin_user).post(
        "/api/v1/people", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["base"] == ["Too many form fields."]


# --- Dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    ["9999-12-31T23:00-05:00", "0313-11-18T12:19:21Z", "1899-12-31T23:59:59Z", "2101-01-01T00:00Z"],
)
def test_appointment_outside_the_sane_years_is_422_on_the_field(api, sales_user, person, starts_at):
    client = api(sales_user)

    response = client.post(
        f"/api/v1/people/{person.pk}/appointments", {"starts_at": starts_at}, format="json"
    )

    assert response.status_code == 422
    assert response.json() == {
        "errors": {"starts_at": ["Must be between the years 1900 and 2100."]}
    }
    assert not Appointment.objects.exists()
    assert client.get(f"/api/v1/people/{person.pk}/appointments").status_code == 200


@pytest.mark.parametrize(
    ("records", "body", "field"),
    [
        (
            "appointments",
            {"starts_at": "2026-05-01T10:00Z", "booked_at": "9999-12-31T23:59:59+14:00"},
            "booked_at",
        ),
        ("sales", {"sale_type": "membership", "won_at": "0001-01-01T00:00+05:00"}, "won_at"),
    ],
)
def test_other_dates_out_of_range_are_422(api, sales_user, person, records, body, field):
    response = api(sales_user).post(f"/api/v1/people/{person.pk}/{records}", body, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("path", "param"),
    [("/api/v1/people", "updated_since"), ("/api/v1/newsfeed", "since")],
)
def test_date_filters_out_of_range_are_422(api, sales_user, person, path, param):
    response = api(sales_user).get(path, {param: "9999-12-31T23:00-05:00"})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [param]


def test_appointment_at_the_edge_of_the_range_is_stored_and_read(api, sales_user, person):
    client = api(sales_user)

    response = client.post(
        f"/api/v1/people/{person.pk}/appointments",
        {"starts_at": "2100-12-31T12:00-05:00"},  # 17:00 in London
        format="json",
    )

    assert response.status_code == 201
    listed = client.get(f"/api/v1/people/{person.pk}/appointments").json()["collection"]
    assert datetime.fromisoformat(listed[0]["starts_at"]) == datetime(2100, 12, 31, 17, tzinfo=UTC)


def test_offsets_are_always_whole_minutes(api, sales_user, person, company):
    """Amsterdam kept local mean time (+00:19:32) until 1937: such an instant is written in UTC."""
    company.time_zone = "Europe/Amsterdam"
    company.save()
    client = api(sales_user)

    client.post(
        f"/api/v1/people/{person.pk}/appointments",
        {"starts_at": "1920-06-01T12:00:00Z"},
        format="json",
    )
    client.post(
        f"/api/v1/people/{person.pk}/appointments",
        {"starts_at": "2026-06-01T12:00:00Z"},
        format="json",
    )

    listed = client.get(f"/api/v1/people/{person.pk}/appointments").json()["collection"]
    starts = sorted(item["starts_at"] for item in listed)
    assert starts == ["1920-06-01T12:00:00Z", "2026-06-01T14:00:00+02:00"]


def test_newsfeed_page_with_dates_far_out_is_handled(client, sales_user):
    client.force_login(sales_user)

    for query in ("to=9999-12-31", "from=0001-01-01&to=9999-12-31", "to=²", "from=2026-02-30"):
        response = client.get(f"/newsfeed/?{query}")
        assert response.status_code == 200, query


# --- Ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["²", "٣", " 12", "1_000", "+5", "-1", "0", "9" * 20, "", None])
def test_parse_id_accepts_only_ascii_digits_in_range(raw):
    assert parse_id(raw) is None


def test_parse_id_and_parse_date_accept_the_ordinary():
    assert parse_id("42") == 42
    assert parse_date("2026-12-05").isoformat() == "2026-12-05"
    assert parse_date("9999-12-31") is None


def test_template_editor_validate_with_unicode_digit_ids_is_not_a_500(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/settings/whatsapp/templates/validate/",
        {"template_id": "²", "preview_person": "٣", "name": "x", "body": "Hi"},
    )

    assert response.status_code == 200


def test_automation_template_description_with_unicode_digit_id_is_not_a_500(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/settings/automations/template-description/", {"template_id": "²"})

    assert response.status_code == 200


def test_profile_dialog_with_unicode_digit_ids_is_not_a_500(client, sales_user, person):
    client.force_login(sales_user)

    response = client.get(
        f"/people/{person.pk}/whatsapp/new/",
        {"template": "²", "reply_to": "²", "sale_type": "٣"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code in (200, 422)
