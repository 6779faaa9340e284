"""API.md "Sales and appointments": create and list, hooks for Automated Items."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gymsales import services
from gymsales.errors import DomainError
from gymsales.models import Appointment, Sale

pytestmark = pytest.mark.django_db


def test_create_sale(api, sales_user, person):
    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/sales",
        {"sale_type": "membership", "amount": "49.99", "won_at": "2026-03-01T10:00:00Z"},
        format="json",
    )

    assert response.status_code == 201
    sale = Sale.objects.get()
    assert response["Location"] == f"/api/v1/people/{person.pk}/sales/{sale.pk}"
    body = response.json()
    assert body == {
        "id": sale.pk,
        "person_id": person.pk,
        "sale_type": "membership",
        "amount": 49.99,
        "won_at": "2026-03-01T10:00:00Z",  # London in winter: UTC
        "created_at": body["created_at"],
    }
    assert (sale.company_id, sale.amount, sale.sale_type.key) == (
        person.company_id,
        Decimal("49.99"),
        "membership",
    )
    assert api(sales_user).get(response["Location"]).json() == body


def test_sale_defaults_won_at_to_now_and_amount_to_zero(api, sales_user, person):
    before = timezone.now()

    body = (
        api(sales_user)
        .post(f"/api/v1/people/{person.pk}/sales", {"sale_type": "secondary"}, format="json")
        .json()
    )

    won_at = datetime.fromisoformat(body["won_at"])
    assert before <= won_at <= timezone.now()
    assert body["amount"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "sale_type"),
        ({"sale_type": "gym-bag"}, "sale_type"),
        ({"sale_type": "membership", "amount": -1}, "amount"),
        ({"sale_type": "membership", "amount": "1.234"}, "amount"),
        ({"sale_type": "membership", "amount": "1e30"}, "amount"),
        ({"sale_type": "membership", "amount": "lots"}, "amount"),
        ({"sale_type": "membership", "won_at": "last week"}, "won_at"),
    ],
)
def test_create_sale_bad_input_is_422(api, sales_user, person, body, field):
    response = api(sales_user).post(f"/api/v1/people/{person.pk}/sales", body, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Sale.objects.count() == 0


def test_list_sales_newest_first(api, sales_user, person):
    now = timezone.now()
    services.sale_create(
        person=person, user=None, sale_type="membership", won_at=now - timedelta(days=2)
    )
    services.sale_create(person=person, user=None, sale_type="secondary", won_at=now)

    body = api(sales_user).get(f"/api/v1/people/{person.pk}/sales").json()

    assert [s["sale_type"] for s in body["collection"]] == ["secondary", "membership"]
    assert body["pagination"]["total_entries"] == 2


def test_create_appointment_in_the_companys_time_zone(api, sales_user, person, company):
    company.time_zone = "America/New_York"
    company.save()

    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/appointments",
        {"starts_at": "2026-07-01T09:30:00", "kind": "Gym tour"},
        format="json",
    )

    assert response.status_code == 201
    appointment = Appointment.objects.get()
    body = response.json()
    assert response["Location"] == f"/api/v1/people/{person.pk}/appointments/{appointment.pk}"
    # A time without an offset is the company's local time.
    assert body["starts_at"] == "2026-07-01T09:30:00-04:00"
    assert body["kind"] == "Gym tour"
    assert body["booked_at"].endswith("-04:00") or body["booked_at"].endswith("-05:00")
    assert appointment.booked_at <= timezone.now()


def test_appointment_kind_unset_is_null(api, sales_user, person):
    body = (
        api(sales_user)
        .post(
            f"/api/v1/people/{person.pk}/appointments",
            {"starts_at": "2026-07-01T09:30:00Z", "booked_at": "2026-06-01T09:30:00Z"},
            format="json",
        )
        .json()
    )

    assert body["kind"] is None
    assert datetime.fromisoformat(body["booked_at"]) == datetime.fromisoformat(
        "2026-06-01T09:30:00+00:00"
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "starts_at"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"starts_at": "2026-07-01T09:30:00Z", "booked_at": 5}, "booked_at"),
        ({"starts_at": "2026-07-01T09:30:00Z", "kind": "k" * 65}, "kind"),
    ],
)
def test_create_appointment_bad_input_is_422(api, sales_user, person, body, field):
    response = api(sales_user).post(f"/api/v1/people/{person.pk}/appointments", body, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Appointment.objects.count() == 0


def test_creating_an_appointment_calls_the_booked_handlers(api, sales_user, person, monkeypatch):
    seen = []
    monkeypatch.setattr(
        services, "APPOINTMENT_BOOKED_HANDLERS", [lambda appointment: seen.append(appointment)]
    )

    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/appointments",
        {"starts_at": "2026-07-01T09:30:00Z"},
        format="json",
    )

    assert [a.pk for a in seen] == [response.json()["id"]]


def test_a_failing_handler_rolls_the_appointment_back(api, sales_user, person, monkeypatch):
    def refuse(appointment):
        raise DomainError("No automations today.", code="test_refusal")

    monkeypatch.setattr(services, "APPOINTMENT_BOOKED_HANDLERS", [refuse])

    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/appointments",
        {"starts_at": "2026-07-01T09:30:00Z"},
        format="json",
    )

    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["No automations today."]},
        "code": "test_refusal",
    }
    assert Appointment.objects.count() == 0


def test_list_appointments(api, sales_user, person):
    now = timezone.now()
    services.appointment_create(person=person, user=None, starts_at=now + timedelta(days=1))
    services.appointment_create(
        person=person, user=None, starts_at=now + timedelta(days=5), kind="PT"
    )

    body = api(sales_user).get(f"/api/v1/people/{person.pk}/appointments").json()

    assert [a["kind"] for a in body["collection"]] == ["PT", None]


@pytest.mark.parametrize("who", ["sales_user", "manager_user", "admin_user"])
def test_any_role_may_record_sales_and_appointments(api, request, person, who):
    client = api(request.getfixturevalue(who))

    assert (
        client.post(
            f"/api/v1/people/{person.pk}/sales", {"sale_type": "membership"}, format="json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/people/{person.pk}/appointments",
            {"starts_at": "2026-07-01T09:30:00Z"},
            format="json",
        ).status_code
        == 201
    )


def test_superuser_without_company_gets_403(api, superuser, person):
    assert api(superuser).get(f"/api/v1/people/{person.pk}/sales").status_code == 403
    assert (
        api(superuser)
        .post(
            f"/api/v1/people/{person.pk}/appointments",
            {"starts_at": "2026-07-01T09:30:00Z"},
            format="json",
        )
        .status_code
        == 403
    )
