"""The WhatsApp audit trail (STYLE.md 13, as Zulip's RealmAuditLog): every change of a company's
WhatsApp settings — enabling, disabling, credentials, limits, sender — and the automatic
suspensions (63020) and holds (63018), with who or what did it, when, and the values before and
after. A secret is recorded only as changed, never its value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gymsales.models import User
from whatsapp.models import AuditAction, WhatsAppAuditEntry, WhatsAppSettings

AUDITED_FIELDS = (
    "enabled",
    "sender_number",
    "twilio_account_sid",
    "messaging_service_sid",
    "messaging_limit",
    "max_messages_per_second",
    "suspended_reason",
    "sends_held_until",
)
SECRET_FIELDS = ("twilio_auth_token",)


def settings_snapshot(settings: WhatsAppSettings | None) -> dict[str, Any]:
    """The audited values of a settings row (None: a row not made yet, all defaults)."""
    settings = settings or WhatsAppSettings()
    return {field: getattr(settings, field) for field in (*AUDITED_FIELDS, *SECRET_FIELDS)}


def _shown(value):
    return value.isoformat() if isinstance(value, datetime) else value


def settings_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict]:
    changes = {
        field: {"before": _shown(before[field]), "after": _shown(after[field])}
        for field in AUDITED_FIELDS
        if before[field] != after[field]
    }
    for field in SECRET_FIELDS:
        if before[field] != after[field]:
            changes[field] = {"changed": True}
    return changes


def audit_record(
    *,
    company_id: int,
    action: str,
    changes: dict[str, dict],
    actor: User | None = None,
    actor_label: str = "",
) -> WhatsAppAuditEntry:
    return WhatsAppAuditEntry.objects.create(
        company_id=company_id,
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=(actor_label or (actor.email if actor is not None else "system"))[:200],
        changes=changes,
    )


def audit_settings_change(
    *, settings: WhatsAppSettings, before: dict[str, Any], actor: User | None
) -> WhatsAppAuditEntry | None:
    """One entry for a platform admin's change of the settings (none if nothing changed)."""
    changes = settings_changes(before, settings_snapshot(settings))
    if not changes:
        return None
    action = AuditAction.SETTINGS_CHANGED
    if "enabled" in changes:
        action = AuditAction.ENABLED if settings.enabled else AuditAction.DISABLED
    return audit_record(company_id=settings.company_id, action=action, changes=changes, actor=actor)


def audit_automatic(*, company_id: int, action: str, before: dict, after: dict, cause: str) -> None:
    """A change Twilio's errors made (suspension, hold): recorded with its cause as the actor."""
    changes = {
        field: {"before": _shown(before.get(field)), "after": _shown(value)}
        for field, value in after.items()
        if before.get(field) != value
    }
    if changes:
        audit_record(company_id=company_id, action=action, changes=changes, actor_label=cause)
