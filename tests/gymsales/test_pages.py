"""Pages of the CRM shell (test client): log-in, log-out, people list, profile, admin, docs."""

from __future__ import annotations

import re

import pytest

from gymsales.models import Person
from tests.factories import PASSWORD, PersonFactory

pytestmark = pytest.mark.django_db


def test_login_page_has_email_and_password(client):
    html = client.get("/accounts/login/").content.decode()

    assert '<label for="id_username">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html


def test_login_with_email_any_case_then_logout(client, sales_user):
    response = client.post(
        "/accounts/login/", {"username": "SALES@alpha.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200

    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
    assert client.get("/people/")["Location"].startswith("/accounts/login/")


def test_pages_need_a_login(client, person):
    for url in ("/people/", f"/people/{person.pk}/", "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")


def test_platform_admin_is_sent_to_the_django_admin(client, superuser):
    client.force_login(superuser)

    assert client.get("/")["Location"] == "/admin/"
    assert client.get("/people/").status_code == 403
    assert client.get("/admin/").status_code == 200


def test_company_staff_cannot_open_the_django_admin(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_people_search_page(client, sales_user, company, club):
    PersonFactory(company=company, club=club, first_name="Ann", last_name="Archer")
    PersonFactory(company=company, club=club, first_name="Bob", last_name="Baker")
    client.force_login(sales_user)

    full = client.get("/people/?q=arch").content.decode()
    partial = client.get("/people/?q=bak", HTTP_HX_REQUEST="true").content.decode()

    assert "Ann Archer" in full and "Bob Baker" not in full
    assert "<html" not in partial
    assert "Bob Baker" in partial and "Ann Archer" not in partial


def test_profile_shows_the_details(client, sales_user, person):
    person.phone_home = "+442079460018"
    person.source_name = "Walk-in"
    person.save()
    client.force_login(sales_user)

    html = client.get(f"/people/{person.pk}/").content.decode()

    for text in (
        "Jane Doe",
        person.phone_mobile,
        "+442079460018",
        person.email,
        "Walk-in",
        "Alpha Central",
        str(sales_user),
    ):
        assert text in html, text


@pytest.mark.parametrize("count", [1, 30])
def test_people_page_query_count_does_not_grow(
    client, sales_user, company, club, count, django_assert_num_queries
):
    PersonFactory.create_batch(count, company=company, club=club, owner=sales_user)
    client.force_login(sales_user)

    # session, user, company (scope middleware), count, page of people
    with django_assert_num_queries(5):
        response = client.get("/people/")

    assert len(re.findall(r'href="/people/\d+/"', response.content.decode())) == count
    assert Person.objects.count() == count


def test_api_docs_are_served_without_a_cdn(client, sales_user):
    client.force_login(sales_user)

    response = client.get("/api/v1/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html


def test_openapi_schema_is_served(api, sales_user):
    response = api(sales_user).get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/people/search",
        "/api/v1/people/{person_id}/sales",
        "/api/v1/people/{person_id}/appointments",
        "/api/v1/companies",
        "/api/v1/companies/{company_id}/whatsapp",
    ):
        assert path in paths, path
    assert "twilio_auth_token" not in str(
        response.json()["components"]["schemas"]["WhatsAppSettings"]
    ).replace("twilio_auth_token_set", "")


def test_openapi_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_platform_admin_logging_in_lands_in_the_django_admin(client, superuser):
    response = client.post("/accounts/login/", {"username": superuser.email, "password": PASSWORD})

    assert response["Location"] == "/admin/"


def test_people_list_pages_keep_the_search(client, sales_user, company, club):
    """The shared pager (gymsales/_pager.html): the count, and page links that keep the filters."""
    PersonFactory.create_batch(55, company=company, club=club, first_name="Pagina")
    client.force_login(sales_user)

    first = client.get("/people/", {"q": "Pagina"}).content.decode()
    second = client.get("/people/", {"q": "Pagina", "page": 2}).content.decode()

    assert "Page 1 of 2 · 55 people" in first
    assert 'href="?q=Pagina&amp;page=2">Next ›</a>' in first
    assert "‹ Previous" not in first
    assert 'href="?q=Pagina&amp;page=1">‹ Previous</a>' in second
    assert "Next ›" not in second
    assert second.count('<td><a href="/people/') == 5
