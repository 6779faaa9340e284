"""A company's WhatsApp settings, written by the platform admin."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from gymsales.errors import FieldErrors
from gymsales.models import (
    Company,
    User,
)
from whatsapp.models import (
    SENDER_TAKEN,
    WhatsAppSettings,
)
from whatsapp.selectors import credentials_for  # noqa: F401 (its historical home)
from whatsapp.services.audit import audit_settings_change, settings_snapshot


def whatsapp_settings_create(*, company: Company) -> WhatsAppSettings:
    """Every new company has its settings, WhatsApp off (gymsales COMPANY_CREATED_HANDLERS)."""
    return WhatsAppSettings.objects.create(company=company)


def whatsapp_settings_update(
    *, company: Company, data: dict[str, Any], actor: User | None = None
) -> WhatsAppSettings:
    """Platform admin: enable/disable WhatsApp and set the Twilio sender.

    Re-enabling clears a suspension (error 63020). An omitted auth token keeps the stored one.
    """
    try:
        with transaction.atomic():
            settings, _ = WhatsAppSettings.objects.select_for_update().get_or_create(
                company=company
            )
            before = settings_snapshot(settings)
            for field, value in data.items():
                setattr(settings, field, value)
            if data.get("enabled") is True:
                settings.suspended_reason = ""
                settings.suspended_at = None
            settings.save()  # invalidates every process's account cache (whatsapp.apps)
            audit_settings_change(settings=settings, before=before, actor=actor)
    except IntegrityError:  # whatsapp_sender_number_unique: the database decides, race-free
        raise FieldErrors({"sender_number": [SENDER_TAKEN]}) from None
    return settings


def auth_tokens_reencrypt() -> int:
    """Encrypt every stored Twilio auth token again with the first SECRETS_ENCRYPTION_KEYS key
    (after a key rotation; see README). Returns how many were re-encrypted."""
    count = 0
    rows = WhatsAppSettings.objects.exclude(twilio_auth_token="").values_list(
        "pk", "twilio_auth_token"
    )
    for pk, token in rows:
        WhatsAppSettings.objects.filter(pk=pk).update(twilio_auth_token=token)
        count += 1
    return count
