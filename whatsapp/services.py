"""Writes for WhatsApp."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from gymsales.errors import FieldErrors
from gymsales.models import Company
from whatsapp.models import WhatsAppSettings


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
        settings.save()
    return settings


# --- Contract for the messaging core (implemented by the messaging issue) ----------------------
#
# message_send(*, person, user, body=None, template=None, variables=None, sale_type=None,
#              origin="direct", automation_run=None) -> Message
#     Checks every rule of SPEC §3 (whatsapp.rules) and raises gymsales.errors.DomainError with
#     code whatsapp_disabled | opted_out | no_mobile | session_inactive | template_not_approved |
#     too_long | limit_reached | marketing_limit. On success records Message(status=queued) and a
#     whatsapp_sent Note, and enqueues the send with transaction.on_commit.
#
# person_whatsapp_opt_out(*, person, user) -> None
#     Staff opt-out from the Client Profile (ConsentRecord + opt_out Note). Opting back in is only
#     possible through peopleUpdate.
