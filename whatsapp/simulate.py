"""Play Twilio's side in development: signed status callbacks and inbound messages posted to our
own webhook views (in-process, through the same signature check, storage and processing).
"""

from __future__ import annotations

from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from gymsales.tenancy import all_companies
from whatsapp import webhooks
from whatsapp.models import WhatsAppSettings
from whatsapp.providers import new_message_sid
from whatsapp.providers.events import InboundEvent, MediaItem, StatusEvent
from whatsapp.providers.twilio import webhooks as twilio


def signed_post(*, kind: str, params: dict, auth_token: str):
    """Call our webhook view for `kind` (status | inbound) as Twilio would, signed with the
    company's auth token."""
    path = reverse(f"whatsapp-webhook-{kind}")
    signature = twilio.signature_for(auth_token, settings.PUBLIC_BASE_URL + path, params)
    request = RequestFactory().post(path, params, **{twilio.SIGNATURE_HEADER: signature})
    view = webhooks.status if kind == "status" else webhooks.inbound
    return view(request)


def _settings(company_id: int) -> WhatsAppSettings:
    with all_companies():
        return WhatsAppSettings.objects.get(company_id=company_id)


def post_status(*, company_id: int, sid: str, status: str, error_code: str = "") -> int:
    wa = _settings(company_id)
    error_message = ""
    if error_code:
        from whatsapp.errors import NOTE_TEXTS

        error_message = f"Simulated error {error_code}" + (
            "" if str(error_code) in NOTE_TEXTS else " (unlisted)"
        )
    event = StatusEvent(
        account=wa.twilio_account_sid,
        sid=sid,
        status=status,
        error_code=str(error_code or ""),
        error_message=error_message,
    )
    params = twilio.status_params(event, sender=wa.sender_number)
    return signed_post(kind="status", params=params, auth_token=wa.twilio_auth_token).status_code


def post_inbound(
    *,
    company_id: int,
    from_number: str,
    body: str = "",
    profile_name: str = "",
    referral: bool = False,
    media: list[tuple[str, str]] | None = None,
    button_payload: str = "",
) -> int:
    wa = _settings(company_id)
    event = InboundEvent(
        account=wa.twilio_account_sid,
        sid=new_message_sid(),
        to_number=wa.sender_number,
        from_number=from_number,
        body=body,
        profile_name=profile_name,
        button_payload=button_payload,
        button_text=button_payload,
        media=tuple(MediaItem(url, content_type) for url, content_type in media or []),
        referral=dict(twilio.EXAMPLE_AD_REFERRAL) if referral else {},
    )
    params = twilio.inbound_params(event)
    return signed_post(kind="inbound", params=params, auth_token=wa.twilio_auth_token).status_code
