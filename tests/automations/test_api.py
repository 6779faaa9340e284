"""API.md "Automated Items": CRUD, the approved-template rule, placeholder kinds, roles, tenancy."""

from __future__ import annotations

import pytest

from automations.models import AutomatedItem, AutomationRun, RunState, TriggerEvent
from tests.automations.conftest import make_item

pytestmark = pytest.mark.django_db

URL = "/api/v1/automated-items"


def payload(template, **extra):
    return {
        "name": "Welcome new leads",
        "kind": "send_whatsapp",
        "trigger": {"event": "lead_created", "delay_minutes": 0},
        "template_id": template.pk if template else None,
        **extra,
    }


def test_admin_creates_item_with_approved_template(api, admin_user, club, approved_template):
    body = payload(approved_template, filters={"club_id": club.pk, "sale_type": "membership"})
    response = api(admin_user).post(URL, body, format="json")

    assert response.status_code == 201
    item = AutomatedItem.objects.get()
    assert response["Location"] == f"{URL}/{item.pk}"
    assert response.json() == {
        "id": item.pk,
        "name": "Welcome new leads",
        "kind": "send_whatsapp",
        "trigger": {
            "event": "lead_created",
            "delay_minutes": 0,
            "inactive_days": None,
            "to_status": None,
            "hours_before": None,
        },
        "filters": {"club_id": club.pk, "sale_type": "membership"},
        "template_id": approved_template.pk,
        "template_description": approved_template.body,
        "active": True,
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }
    assert item.company_id == admin_user.company_id and item.sale_type.key == "membership"


def test_unapproved_template_refused_with_422(api, admin_user, pending_template):
    response = api(admin_user).post(URL, payload(pending_template), format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "template_not_approved"
    assert list(response.json()["errors"]) == ["template_id"]
    assert not AutomatedItem.objects.exists()


def test_send_whatsapp_without_template_refused_with_422(api, admin_user):
    response = api(admin_user).post(URL, payload(None), format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "template_required"
    assert not AutomatedItem.objects.exists()


@pytest.mark.parametrize("kind", ["create_task", "send_email", "send_sms"])
def test_placeholder_kinds_refused_as_not_yet_available(api, admin_user, approved_template, kind):
    response = api(admin_user).post(URL, payload(approved_template, kind=kind), format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "kind_not_available"
    assert "not yet available" in response.json()["errors"]["kind"][0]
    assert not AutomatedItem.objects.exists()


def test_trigger_parameters_required_and_validated(api, admin_user, approved_template):
    client = api(admin_user)
    reengaged = payload(approved_template, trigger={"event": "lead_reengaged"})
    upcoming = payload(approved_template, trigger={"event": "appointment_upcoming"})
    negative = payload(approved_template, trigger={"event": "lead_created", "delay_minutes": -1})

    assert client.post(URL, reengaged, format="json").json() == {
        "errors": {
            "trigger.inactive_days": ["Required (at least 1) for the Lead re-engaged trigger."]
        }
    }
    assert list(client.post(URL, upcoming, format="json").json()["errors"]) == [
        "trigger.hours_before"
    ]
    response = client.post(URL, negative, format="json")
    assert response.status_code == 422
    assert "delay_minutes" in response.json()["errors"]["trigger"]
    assert not AutomatedItem.objects.exists()


def test_foreign_template_and_club_are_refused(
    api, admin_user, approved_template, other_template, other_club
):
    client = api(admin_user)
    foreign_template = client.post(URL, payload(other_template), format="json")
    foreign_club = client.post(
        URL, payload(approved_template, filters={"club_id": other_club.pk}), format="json"
    )

    assert foreign_template.status_code == 422
    assert foreign_template.json() == {
        "errors": {"template_id": ["No such template in this company."]}
    }
    assert foreign_club.status_code == 422
    assert foreign_club.json() == {"errors": {"filters.club_id": ["No such club in this company."]}}
    assert not AutomatedItem.objects.exists()


def test_patch_changes_trigger_and_clears_parameters_of_other_events(api, admin_user, welcome_item):
    client = api(admin_user)
    response = client.patch(
        f"{URL}/{welcome_item.pk}",
        {"trigger": {"event": "status_changed", "to_status": "member", "delay_minutes": 30}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["trigger"] == {
        "event": "status_changed",
        "delay_minutes": 30,
        "inactive_days": None,
        "to_status": "member",
        "hours_before": None,
    }
    assert response.json()["name"] == "Welcome new leads"
    response = client.put(f"{URL}/{welcome_item.pk}", {"active": False}, format="json")
    assert response.json()["active"] is False
    assert response.json()["trigger"]["event"] == "status_changed"


def test_template_description_is_read_only(api, admin_user, welcome_item, approved_template):
    response = api(admin_user).patch(
        f"{URL}/{welcome_item.pk}", {"template_description": "Edited!"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["template_description"] == approved_template.body
    approved_template.refresh_from_db()
    assert approved_template.body == "Hi {{1}}, welcome to the gym! Reply to book a visit."


def test_delete_removes_item(api, admin_user, welcome_item):
    response = api(admin_user).delete(f"{URL}/{welcome_item.pk}")

    assert response.status_code == 204
    assert not AutomatedItem.objects.exists()


def test_only_company_admins_may_read_or_write(
    api, sales_user, manager_user, welcome_item, approved_template
):
    for user in (sales_user, manager_user):
        client = api(user)
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}/{welcome_item.pk}").status_code == 403
        assert client.get(f"{URL}/{welcome_item.pk}/runs").status_code == 403
        assert client.post(URL, payload(approved_template), format="json").status_code == 403
        assert (
            client.patch(f"{URL}/{welcome_item.pk}", {"name": "X"}, format="json").status_code
            == 403
        )
        assert client.delete(f"{URL}/{welcome_item.pk}").status_code == 403
    assert AutomatedItem.objects.get().name == "Welcome new leads"
    assert AutomatedItem.objects.count() == 1
    assert api(None).get(URL).status_code == 401


def test_other_company_items_are_not_found(api, other_user, welcome_item, other_template):
    client = api(other_user)
    mine = make_item(other_user.company, other_template, name="Beta item")

    listing = client.get(URL).json()
    assert [row["id"] for row in listing["collection"]] == [mine.pk]
    for method in ("get", "patch", "delete"):
        assert getattr(client, method)(f"{URL}/{welcome_item.pk}").status_code == 404
    assert client.get(f"{URL}/{welcome_item.pk}/runs").status_code == 404
    assert AutomatedItem.objects.filter(pk=welcome_item.pk, active=True).exists()


def test_list_is_paginated_with_constant_queries(
    api, admin_user, approved_template, django_assert_num_queries
):
    for n in range(3):
        make_item(admin_user.company, approved_template, name=f"Item {n}")
    client = api(admin_user)
    client.get(URL)  # warm-up: auth and session lookups settle
    # the user with its company, the count, one page of items (template, club, run counts joined)
    with django_assert_num_queries(3):
        response = client.get(URL)

    assert response.json()["pagination"] == {
        "page": 1,
        "per_page": 50,
        "total_pages": 1,
        "total_entries": 3,
    }
    assert [row["name"] for row in response.json()["collection"]] == ["Item 0", "Item 1", "Item 2"]


def test_runs_collection_shows_person_state_reason_and_message(
    api, admin_user, welcome_item, person
):
    run = AutomationRun.objects.create(
        company=welcome_item.company,
        item=welcome_item,
        person=person,
        event=TriggerEvent.LEAD_CREATED,
        event_key="lead",
        state=RunState.SKIPPED,
        reason_code="opted_out",
        reason="This person opted out of WhatsApp.",
    )

    response = api(admin_user).get(f"{URL}/{welcome_item.pk}/runs")

    assert response.status_code == 200
    row = response.json()["collection"][0]
    assert {k: row[k] for k in ("id", "person_id", "person_name", "event", "state")} == {
        "id": run.pk,
        "person_id": person.pk,
        "person_name": "Jane Doe",
        "event": "lead_created",
        "state": "skipped",
    }
    assert row["reason_code"] == "opted_out"
    assert row["reason"] == "This person opted out of WhatsApp."
    assert row["message_id"] is None and row["message_status"] is None
