"""API.md "Platform administration": companies, clubs, users, WhatsApp settings (superusers only)."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command

from gymsales.models import Club, Company, User
from whatsapp.models import WhatsAppSettings

pytestmark = pytest.mark.django_db

TOKEN = "tok_5ecret_never_shown_7f3a"
ACCOUNT_SID = "AC" + "a1" * 16
SERVICE_SID = "MG" + "b2" * 16


def test_create_company(api, superuser):
    response = api(superuser).post(
        "/api/v1/companies",
        {"name": "Gamma Gyms", "time_zone": "Europe/Berlin", "default_country": "de"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    company = Company.objects.get(pk=body["id"])
    assert body == {
        "id": company.pk,
        "name": "Gamma Gyms",
        "time_zone": "Europe/Berlin",
        "default_country": "DE",
        "whatsapp_enabled": False,
    }
    assert response["Location"] == f"/api/v1/companies/{company.pk}"
    assert WhatsAppSettings.objects.get(company=company).enabled is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": "X", "default_country": "ZZ"}, "default_country"),
        ({"name": "X", "default_country": "USA"}, "default_country"),
        ({"time_zone": "UTC"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_create_company_bad_input_is_422(api, superuser, body, field):
    response = api(superuser).post("/api/v1/companies", body, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Company.objects.count() == 0


def test_list_and_get_companies(api, superuser, company, other_company):
    client = api(superuser)

    listed = client.get("/api/v1/companies").json()
    single = client.get(f"/api/v1/companies/{other_company.pk}").json()

    assert [c["name"] for c in listed["collection"]] == ["Alpha Gyms", "Beta Fitness"]
    assert listed["pagination"]["total_entries"] == 2
    assert single["name"] == "Beta Fitness"
    assert client.get("/api/v1/companies/999999").status_code == 404


def test_reading_a_company_without_whatsapp_settings_writes_nothing(
    api, superuser, company, other_company
):
    """A company made in the Django admin has no settings row: reads show WhatsApp off, and
    only a write creates the row."""
    WhatsAppSettings.objects.filter(company=company).delete()
    client = api(superuser)
    listed = client.get("/api/v1/companies").json()["collection"]
    settings = client.get(f"/api/v1/companies/{company.pk}/whatsapp").json()

    assert {c["id"]: c["whatsapp_enabled"] for c in listed} == {
        company.pk: False,
        other_company.pk: False,
    }
    assert settings["enabled"] is False and settings["twilio_account_sid"] is None
    assert not WhatsAppSettings.objects.filter(company=company).exists()
    client.put(f"/api/v1/companies/{company.pk}/whatsapp", {"enabled": True}, format="json")
    assert WhatsAppSettings.objects.get(company=company).enabled is True
    assert client.get("/api/v1/companies").json()["collection"][0]["whatsapp_enabled"] is True


def test_company_staff_cannot_use_platform_endpoints(api, admin_user, other_company, company):
    client = api(admin_user)

    for url in (
        "/api/v1/companies",
        f"/api/v1/companies/{company.pk}",
        f"/api/v1/companies/{other_company.pk}",
        f"/api/v1/companies/{company.pk}/clubs",
        f"/api/v1/companies/{company.pk}/users",
        f"/api/v1/companies/{company.pk}/whatsapp",
    ):
        assert client.get(url).status_code == 403, url
    response = client.put(
        f"/api/v1/companies/{company.pk}/whatsapp", {"enabled": True}, format="json"
    )
    assert response.status_code == 403
    assert WhatsAppSettings.objects.get(company=company).enabled is False


def test_create_club(api, superuser, company):
    response = api(superuser).post(
        f"/api/v1/companies/{company.pk}/clubs", {"name": "Riverside"}, format="json"
    )

    assert response.status_code == 201
    club = Club.objects.get(pk=response.json()["id"])
    assert response.json() == {"id": club.pk, "name": "Riverside"}
    assert club.company == company
    assert response["Location"].endswith(f"/clubs/{club.pk}")


def test_create_club_in_missing_company_is_404(api, superuser):
    response = api(superuser).post("/api/v1/companies/424242/clubs", {"name": "X"}, format="json")

    assert response.status_code == 404
    assert Club.objects.count() == 0


def test_create_user_returns_no_password(api, superuser, company, club):
    response = api(superuser).post(
        f"/api/v1/companies/{company.pk}/users",
        {
            "email": "New.Person@Alpha.test",
            "password": "a-long-pass-phrase",
            "first_name": "New",
            "last_name": "Person",
            "role": "manager",
            "club_id": club.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert "password" not in body
    assert "a-long-pass-phrase" not in response.content.decode()
    user = User.objects.get(pk=body["id"])
    assert body == {
        "id": user.pk,
        "email": "new.person@alpha.test",
        "first_name": "New",
        "last_name": "Person",
        "role": "manager",
        "club_id": club.pk,
        "company_id": company.pk,
    }
    assert user.check_password("a-long-pass-phrase")
    assert not user.is_superuser
    assert not user.is_staff


def test_new_user_can_use_the_api(api, superuser, company, club):
    api(superuser).post(
        f"/api/v1/companies/{company.pk}/users",
        {"email": "fresh@alpha.test", "password": "a-long-pass-phrase", "role": "sales"},
        format="json",
    )
    user = User.objects.get(email="fresh@alpha.test")

    assert api(user, password="a-long-pass-phrase").get("/api/v1/people").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "ADMIN@alpha.test"}, "email"),  # duplicate, whatever the case
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),  # too common
        ({"role": "owner"}, "role"),
        ({"club_id": "foreign"}, "club_id"),
        ({"club_id": "abc"}, "club_id"),
    ],
)
def test_create_user_bad_input_is_422(
    api, superuser, company, admin_user, other_club, changes, field
):
    body = {"email": "ok@alpha.test", "password": "a-long-pass-phrase", "role": "sales"}
    body.update(changes)
    if body.get("club_id") == "foreign":
        body["club_id"] = other_club.pk
    users_before = User.objects.count()

    response = api(superuser).post(f"/api/v1/companies/{company.pk}/users", body, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert User.objects.count() == users_before


def test_whatsapp_settings_get_never_returns_the_token(api, superuser, company):
    WhatsAppSettings.objects.filter(company=company).update(twilio_auth_token=TOKEN)

    response = api(superuser).get(f"/api/v1/companies/{company.pk}/whatsapp")

    assert response.status_code == 200
    assert response.json() == {
        "enabled": False,
        "sender_number": None,
        "twilio_account_sid": None,
        "twilio_auth_token_set": True,
        "messaging_service_sid": None,
        "messaging_limit": 250,
        "max_messages_per_second": 80,
        "suspended_reason": None,
    }
    assert TOKEN not in response.content.decode()


def test_whatsapp_settings_put_stores_and_enables(api, superuser, company, caplog):
    caplog.set_level(logging.DEBUG)
    response = api(superuser).put(
        f"/api/v1/companies/{company.pk}/whatsapp",
        {
            "enabled": True,
            "sender_number": "+14155550100",
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": TOKEN,
            "messaging_service_sid": SERVICE_SID,
            "messaging_limit": None,
            "max_messages_per_second": 10,
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["enabled"] is True
    assert body["twilio_auth_token_set"] is True
    assert body["messaging_limit"] is None
    assert "twilio_auth_token" not in body
    assert TOKEN not in response.content.decode()
    assert TOKEN not in caplog.text
    stored = WhatsAppSettings.objects.get(company=company)
    assert stored.twilio_auth_token == TOKEN
    assert stored.sender_number == "+14155550100"
    assert api(superuser).get(f"/api/v1/companies/{company.pk}").json()["whatsapp_enabled"]


def test_whatsapp_settings_put_without_token_keeps_it(api, superuser, company):
    WhatsAppSettings.objects.filter(company=company).update(twilio_auth_token=TOKEN)

    response = api(superuser).patch(
        f"/api/v1/companies/{company.pk}/whatsapp", {"messaging_limit": 2000}, format="json"
    )

    assert response.status_code == 200
    assert WhatsAppSettings.objects.get(company=company).twilio_auth_token == TOKEN
    assert response.json()["messaging_limit"] == 2000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender_number": "14155550100"}, "sender_number"),
        ({"sender_number": "+0123"}, "sender_number"),
        ({"sender_number": "whatsapp:+14155550100"}, "sender_number"),
        ({"twilio_account_sid": "MG" + "a" * 32}, "twilio_account_sid"),
        ({"twilio_account_sid": "AC123"}, "twilio_account_sid"),
        ({"messaging_service_sid": ACCOUNT_SID}, "messaging_service_sid"),
        ({"messaging_limit": 1000}, "messaging_limit"),
        ({"messaging_limit": "lots"}, "messaging_limit"),
        ({"max_messages_per_second": 0}, "max_messages_per_second"),
        ({"enabled": "maybe"}, "enabled"),
    ],
)
def test_whatsapp_settings_put_bad_input_is_422_and_changes_nothing(
    api, superuser, company, body, field, caplog
):
    before = list(WhatsAppSettings.objects.filter(company=company).values())
    body = {**body, "twilio_auth_token": TOKEN}

    response = api(superuser).put(f"/api/v1/companies/{company.pk}/whatsapp", body, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert list(WhatsAppSettings.objects.filter(company=company).values()) == before
    assert TOKEN not in response.content.decode()
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("limit", [250, 2000, 10000, 100000, None])
def test_whatsapp_settings_accepts_each_messaging_tier(api, superuser, company, limit):
    response = api(superuser).put(
        f"/api/v1/companies/{company.pk}/whatsapp", {"messaging_limit": limit}, format="json"
    )

    assert response.status_code == 200
    assert WhatsAppSettings.objects.get(company=company).messaging_limit == limit


def test_createsuperuser_noinput_from_environment(monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@Platform.test")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase")

    call_command("createsuperuser", "--noinput", verbosity=0)

    user = User.objects.get(email__iexact="boss@platform.test")
    assert user.is_superuser and user.is_staff
    assert user.company_id is None
    assert user.check_password("a-long-pass-phrase")
