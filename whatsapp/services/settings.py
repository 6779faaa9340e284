"""A company's WhatsApp settings, written by the platform admin."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gymsales.errors import FieldErrors
from gymsales.models import (
    Company,
)
from whatsapp.models import (
    WhatsAppSettings,
)
from whatsapp.providers import (
    Credentials,
)


def whatsapp_settings_update(*, company: Company, data: dict[str, Any]) -> WhatsAppSettings:
    """Platform admin: enable/disable WhatsApp and set the Twilio sender.

    Re-enabling clears a suspension (error 63020). An omitted auth token keeps the stored one.
    """
    sender = data.get("sender_number")
    if sender and (
        WhatsAppSettings.objects.filter(sender_number=sender).exclude(company=company).exists()
    ):
        raise FieldErrors({"sender_number": ["Another company already uses this sender number."]})
    with transaction.atomic():
        settings, _ = WhatsAppSettings.objects.select_for_update().get_or_create(company=company)
        for field, value in data.items():
            setattr(settings, field, value)
        if data.get("enabled") is True:
            settings.suspended_reason = ""
            settings.suspended_at = None
        settings.save()  # invalidates every process's account cache (whatsapp.apps)
    return settings


def credentials_for(settings: WhatsAppSettings) -> Credentials:
    return Credentials(
        company_id=settings.company_id,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        sender_number=settings.sender_number,
        messaging_service_sid=settings.messaging_service_sid,
    )
