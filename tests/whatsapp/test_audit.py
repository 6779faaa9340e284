"""The WhatsApp audit trail: who (or what) changed a company's WhatsApp, when, before and after,
never a secret; in the Django admin and GET /api/v1/companies/{id}/whatsapp/audit."""

from __future__ import annotations

import json

import pytest

from tests.whatsapp.conftest import status_params
from whatsapp.models import AuditAction, Message, MessageStatus, WhatsAppAuditEntry

TOKEN = "tok-audit-secret-4c1f0e"
SID = "SM" + "a1" * 16


def put(api, user, company, body):
    return api(user).put(f"/api/v1/companies/{company.pk}/whatsapp", body, format="json")


def audit(api, user, company):
    return api(user).get(f"/api/v1/companies/{company.pk}/whatsapp/audit")


def test_enabling_records_who_when_and_before_after_but_never_the_token(api, superuser, company):
    response = put(
        api,
        superuser,
        company,
        {
            "enabled": True,
            "sender_number": "+14155550100",
            "twilio_account_sid": "AC" + "1" * 32,
            "twilio_auth_token": TOKEN,
            "messaging_limit": 2000,
        },
    )
    assert response.status_code == 200

    entry = WhatsAppAuditEntry.objects.get(company=company)
    assert (entry.action, entry.actor_id, entry.actor_label) == (
        AuditAction.ENABLED,
        superuser.pk,
        superuser.email,
    )
    assert entry.changes == {
        "enabled": {"before": False, "after": True},
        "sender_number": {"before": "", "after": "+14155550100"},
        "twilio_account_sid": {"before": "", "after": "AC" + "1" * 32},
        "messaging_limit": {"before": 250, "after": 2000},
        "twilio_auth_token": {"changed": True},
    }
    assert TOKEN not in json.dumps(entry.changes)


def test_disabling_and_changes_are_recorded_and_no_change_records_nothing(api, superuser, company):
    put(api, superuser, company, {"enabled": True, "twilio_auth_token": TOKEN})
    put(api, superuser, company, {"twilio_auth_token": TOKEN, "max_messages_per_second": 10})
    put(api, superuser, company, {"enabled": False})
    put(api, superuser, company, {"enabled": False})  # nothing changes: nothing recorded

    entries = list(WhatsAppAuditEntry.objects.filter(company=company).order_by("id"))
    assert [e.action for e in entries] == [
        AuditAction.ENABLED,
        AuditAction.SETTINGS_CHANGED,
        AuditAction.DISABLED,
    ]
    assert entries[1].changes == {"max_messages_per_second": {"before": 80, "after": 10}}


def test_django_admin_changes_are_recorded(client, superuser, wa):
    client.force_login(superuser)
    response = client.post(
        f"/admin/whatsapp/whatsappsettings/{wa.pk}/change/",
        {
            "company": wa.company_id,
            "enabled": "on",
            "sender_number": wa.sender_number,
            "twilio_account_sid": wa.twilio_account_sid,
            "twilio_auth_token": TOKEN,
            "messaging_service_sid": "",
            "messaging_limit": "10000",
            "max_messages_per_second": str(wa.max_messages_per_second),
            "suspended_reason": "",
            "sends_held_until": "",
        },
    )
    assert response.status_code == 302

    entry = WhatsAppAuditEntry.objects.get(company=wa.company)
    assert (entry.action, entry.actor_id) == (AuditAction.SETTINGS_CHANGED, superuser.pk)
    assert entry.changes == {
        "messaging_limit": {"before": 250, "after": 10000},
        "twilio_auth_token": {"changed": True},
    }
    listing = client.get("/admin/whatsapp/whatsappauditentry/").content.decode()
    assert "Settings changed" in listing and superuser.email in listing


@pytest.fixture
def sent(company, person, wa):
    return Message.objects.create(
        company=company,
        person=person,
        direction="outbound",
        status=MessageStatus.SENDING,
        sid=SID,
        body="Hi",
        to_number=person.phone_mobile,
    )


@pytest.mark.parametrize(
    ("code", "action", "field"),
    [("63020", AuditAction.SUSPENDED, "enabled"), ("63018", AuditAction.HELD, "sends_held_until")],
)
def test_automatic_suspensions_and_holds_are_recorded_with_their_cause(
    post_webhook, sent, wa, code, action, field
):
    post_webhook("status", status_params(SID, "failed", error_code=code))

    entry = WhatsAppAuditEntry.objects.get(company=wa.company)
    assert entry.action == action
    assert entry.actor_id is None
    assert entry.actor_label == f"Twilio error {code} on message {sent.pk}"
    assert field in entry.changes
    if code == "63020":
        assert entry.changes["enabled"] == {"before": True, "after": False}


def test_audit_api_newest_first_only_that_companys_for_platform_admins(
    api, superuser, company, other_company, admin_user, sales_user
):
    put(api, superuser, company, {"enabled": True})
    put(api, superuser, company, {"max_messages_per_second": 5})
    put(api, superuser, other_company, {"enabled": True})

    body = audit(api, superuser, company).json()
    assert [row["action"] for row in body["collection"]] == ["settings_changed", "whatsapp_enabled"]
    assert body["pagination"]["total_entries"] == 2
    row = body["collection"][0]
    assert set(row) == {"id", "action", "actor_id", "actor", "changes", "created_at"}
    assert (row["actor_id"], row["actor"]) == (superuser.pk, superuser.email)
    assert row["changes"] == {"max_messages_per_second": {"before": 80, "after": 5}}
    assert audit(api, superuser, other_company).json()["pagination"]["total_entries"] == 1

    assert audit(api, admin_user, company).status_code == 403  # company staff: the platform's
    assert audit(api, sales_user, company).status_code == 403
    assert audit(api, None, company).status_code == 401
    assert api(superuser).get("/api/v1/companies/999999/whatsapp/audit").status_code == 404
