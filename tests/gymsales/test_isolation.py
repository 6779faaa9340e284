"""Two companies: lists, searches, nested ids and pages show only the own company's objects
(every route taking an id is checked in tests/test_isolation_urls.py)."""

from __future__ import annotations

import pytest

from gymsales import services
from gymsales.models import Person
from whatsapp.models import WhatsAppSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_records(other_person):
    return {
        "sale": services.sale_create(person=other_person, user=None, sale_type="membership"),
        "appointment": services.appointment_create(
            person=other_person, user=None, starts_at="2026-07-01T09:30:00Z"
        ),
    }


def test_own_sale_url_with_foreign_person_is_404(api, admin_user, person, other_records):
    own = services.sale_create(person=person, user=None, sale_type="membership")

    # Own person, another company's sale id; another company's person, own sale id.
    assert (
        api(admin_user)
        .get(f"/api/v1/people/{person.pk}/sales/{other_records['sale'].pk}")
        .status_code
        == 404
    )
    assert (
        api(admin_user)
        .get(f"/api/v1/people/{other_records['sale'].person_id}/sales/{own.pk}")
        .status_code
        == 404
    )


def test_missing_and_foreign_look_the_same(api, admin_user, other_person):
    foreign = api(admin_user).get(f"/api/v1/people/{other_person.pk}")
    missing = api(admin_user).get("/api/v1/people/987654321")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def test_lists_and_searches_show_only_own_company(api, admin_user, person, other_person):
    client = api(admin_user)

    for url in (
        "/api/v1/people",
        "/api/v1/people?status=lead",
        f"/api/v1/people?email={other_person.email}",
        f"/api/v1/people?phone_mobile={other_person.phone_mobile.replace('+', '%2B')}",
        "/api/v1/people/search?first_name=Olga",
        f"/api/v1/people?club_id={other_person.club_id}",
    ):
        ids = [p["id"] for p in client.get(url).json()["collection"]]
        assert other_person.pk not in ids, url


def test_company_user_cannot_read_other_company_via_platform_api(api, admin_user, other_company):
    response = api(admin_user).get(f"/api/v1/companies/{other_company.pk}")

    assert response.status_code == 403
    assert "Beta" not in response.content.decode()


def test_create_in_other_companys_club_is_refused(api, admin_user, other_club):
    response = api(admin_user).post(
        "/api/v1/people", {"first_name": "Eve", "club_id": other_club.pk}, format="json"
    )

    assert response.status_code == 422
    assert Person.objects.filter(club=other_club, first_name="Eve").count() == 0


# --- pages -----------------------------------------------------------------------------------------


def test_people_page_lists_only_own_company(client, sales_user, person, other_person):
    client.force_login(sales_user)

    html = client.get("/people/").content.decode()
    searched = client.get("/people/?q=Olga").content.decode()

    assert "Jane Doe" in html
    assert "Olga" not in html
    assert "Olga Other</a>" not in searched
    assert "No people match" in searched


def test_profile_of_other_companys_person_is_404(client, sales_user, other_person):
    client.force_login(sales_user)

    response = client.get(f"/people/{other_person.pk}/")

    assert response.status_code == 404
    assert "Olga" not in response.content.decode()
    assert "Not found" in response.content.decode()


def test_profile_of_own_person_is_200(client, sales_user, person):
    client.force_login(sales_user)

    assert client.get(f"/people/{person.pk}/").status_code == 200


def test_whatsapp_settings_of_each_company_are_their_own(api, superuser, company, other_company):
    api(superuser).put(
        f"/api/v1/companies/{other_company.pk}/whatsapp", {"enabled": True}, format="json"
    )

    assert WhatsAppSettings.objects.get(company=other_company).enabled is True
    assert WhatsAppSettings.objects.get(company=company).enabled is False
