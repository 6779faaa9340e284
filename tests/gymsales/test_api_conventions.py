"""API.md "Conventions": auth, 401/403/404/415/400/422, method override, envelope, 201 + Location."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import pytest

from gymsales.models import Person
from tests.conftest import basic_auth
from tests.factories import PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db


def test_basic_auth_with_email_and_password(api, sales_user, person):
    response = api(sales_user).get(f"/api/v1/people/{person.pk}")

    assert response.status_code == 200
    assert response.json()["first_name"] == "Jane"


def test_basic_auth_email_is_case_insensitive(api, sales_user, person):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=basic_auth("SALES@Alpha.TEST"))

    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic_auth("sales@alpha.test", "wrong-password"),
        basic_auth("nobody@alpha.test", PASSWORD),
        "Basic not-base64!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer abc",
    ],
)
def test_no_or_bad_credentials_is_401_with_basic_challenge(api, sales_user, authorization):
    client = api()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)

    response = client.get("/api/v1/people")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.json()["errors"]["base"]


def test_inactive_user_is_401(api, sales_user):
    sales_user.is_active = False
    sales_user.save()

    assert api(sales_user).get("/api/v1/people").status_code == 401


def test_sales_user_calling_platform_endpoints_is_403(api, sales_user, company):
    client = api(sales_user)

    assert client.get("/api/v1/companies").status_code == 403
    assert client.get(f"/api/v1/companies/{company.pk}").status_code == 403
    assert client.get(f"/api/v1/companies/{company.pk}/whatsapp").status_code == 403
    response = client.post("/api/v1/companies", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"]["base"] == ["Only platform admins can do this."]


def test_superuser_without_company_calling_people_is_403(api, superuser, person):
    assert api(superuser).get("/api/v1/people").status_code == 403
    assert api(superuser).get(f"/api/v1/people/{person.pk}").status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_other_content_types_are_415(api, admin_user, person, snapshot, method, content_type):
    before = snapshot()
    url = "/api/v1/people" if method == "post" else f"/api/v1/people/{person.pk}"
    body = "first_name=Eve" if content_type != "multipart/form-data" else "--x--"

    response = getattr(api(admin_user), method)(url, body, content_type=content_type)

    assert response.status_code == 415
    assert "errors" in response.json()
    assert snapshot() == before


def test_form_encoded_body_is_accepted(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/people",
        "first_name=Eve&phone_mobile=07911123456",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 201
    assert response.json()["phone_mobile"] == "+447911123456"


def test_json_with_charset_is_accepted(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/people",
        json.dumps({"first_name": "Zoë"}),
        content_type="application/json; charset=utf-8",
    )

    assert response.status_code == 201
    assert response.json()["first_name"] == "Zoë"


def test_malformed_json_is_400_and_nothing_stored(api, admin_user, person, snapshot):
    before = snapshot()
    client = api(admin_user)

    created = client.post(
        "/api/v1/people", '{"first_name": "Eve",', content_type="application/json"
    )
    updated = client.put(
        f"/api/v1/people/{person.pk}", "{not json", content_type="application/json"
    )

    assert created.status_code == 400
    assert updated.status_code == 400
    assert "errors" in created.json()
    assert snapshot() == before


@pytest.mark.parametrize("verb", ["PUT", "PATCH"])
def test_method_override_on_post_acts_as_that_verb(api, admin_user, person, verb):
    response = api(admin_user).post(
        f"/api/v1/people/{person.pk}",
        {"last_name": "Override"},
        format="json",
        HTTP_X_HTTP_METHOD_OVERRIDE=verb,
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.last_name == "Override"


def test_method_override_delete_on_post_is_delete(api, admin_user, person):
    response = api(admin_user).post(
        f"/api/v1/people/{person.pk}", HTTP_X_HTTP_METHOD_OVERRIDE="DELETE"
    )

    # People cannot be deleted through the API: DELETE is not allowed, and nothing is removed.
    assert response.status_code == 405
    assert Person.objects.filter(pk=person.pk).exists()


def test_method_override_is_ignored_on_get(api, admin_user, person):
    response = api(admin_user).get(
        f"/api/v1/people/{person.pk}", HTTP_X_HTTP_METHOD_OVERRIDE="DELETE"
    )

    assert response.status_code == 200


def test_collection_envelope_and_pagination(api, sales_user, company, club):
    PersonFactory.create_batch(5, company=company, club=club)

    body = api(sales_user).get("/api/v1/people?per_page=2&page=3").json()

    assert body["pagination"] == {"page": 3, "per_page": 2, "total_pages": 3, "total_entries": 5}
    assert len(body["collection"]) == 1


def test_collection_defaults_to_50_per_page(api, sales_user, company, club):
    body = api(sales_user).get("/api/v1/people").json()

    assert body == {
        "collection": [],
        "pagination": {"page": 1, "per_page": 50, "total_pages": 0, "total_entries": 0},
    }


def test_page_past_the_end_is_an_empty_collection(api, sales_user, person):
    body = api(sales_user).get("/api/v1/people?page=9").json()

    assert body["collection"] == []
    assert body["pagination"]["total_entries"] == 1


def test_per_page_200_is_allowed(api, sales_user, person):
    response = api(sales_user).get("/api/v1/people?per_page=200")

    assert response.status_code == 200
    assert response.json()["pagination"]["per_page"] == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=201", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=abc", "per_page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
    ],
)
def test_bad_pagination_values_are_422(api, sales_user, query, field):
    response = api(sales_user).get(f"/api/v1/people?{query}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_created_is_201_with_location_and_the_object(api, admin_user):
    response = api(admin_user).post("/api/v1/people", {"first_name": "Eve"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/people/{body['id']}"
    assert api(admin_user).get(response["Location"]).json() == body


def test_validation_error_shape(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/people", {"last_name": "No first", "status": "vip"}, format="json"
    )

    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "first_name": ["This field is required."],
            "status": ['"vip" is not a valid choice.'],
        }
    }


def test_body_that_is_not_an_object_is_422(api, admin_user):
    response = api(admin_user).post("/api/v1/people", "[1, 2]", content_type="application/json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["base"]


def test_unset_fields_are_null(api, admin_user):
    body = api(admin_user).post("/api/v1/people", {"first_name": "Eve"}, format="json").json()

    for field in ("last_name", "email", "phone_mobile", "phone_home", "phone_work", "owner_id"):
        assert body[field] is None, field
    assert body["source_name"] is None
    assert body["status"] == "lead"
    assert body["whatsapp"] == {
        "available": False,
        "session_active": False,
        "session_expires_at": None,
        "sent_count": 0,
        "received_count": 0,
    }


def test_timestamps_are_iso8601_with_the_company_offset(api, admin_user, company, person):
    company.time_zone = "Asia/Kolkata"
    company.save()

    body = api(admin_user).get(f"/api/v1/people/{person.pk}").json()

    created = datetime.fromisoformat(body["created_at"])
    assert body["created_at"].endswith("+05:30")
    assert created == person.created_at


def test_unknown_url_under_api_is_404(api, sales_user):
    assert api(sales_user).get("/api/v1/nothing-here").status_code == 404


def test_huge_page_is_an_empty_collection(api, sales_user, person):
    response = api(sales_user).get("/api/v1/people?page=99999999999999999999999")

    assert response.status_code == 200
    assert response.json()["collection"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/people/99999999999999999999999",
        "/api/v1/people/9223372036854775808/sales",
        "/api/v1/people/9223372036854775808/appointments",
    ],
)
def test_id_too_large_for_the_database_is_404(api, sales_user, url):
    assert api(sales_user).get(url).status_code == 404


def test_id_too_large_for_the_database_is_404_on_pages(client, sales_user):
    client.force_login(sales_user)

    assert client.get("/people/99999999999999999999999/").status_code == 404
