"""Play Twilio's side in development: signed status callbacks and inbound messages posted to our
own webhook views (in-process, through the same signature check, storage and processing).
"""

from __future__ import annotations

from django.conf import settings
from django.test import RequestFactory
from twilio.request_validator import RequestValidator

from gymsales.tenancy import all_companies
from whatsapp import webhooks
from whatsapp.models import WhatsAppSettings
from whatsapp.providers import new_message_sid

STATUS_PATH = "/webhooks/twilio/whatsapp/status"
INBOUND_PATH = "/webhooks/twilio/whatsapp/inbound"


def signed_post(*, path: str, params: dict, auth_token: str):
    """Call our webhook view for `path` as Twilio would, signed with the company's auth token."""
    url = settings.PUBLIC_BASE_URL + path
    signature = RequestValidator(auth_token).compute_signature(url, params)
    request = RequestFactory().post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    view = webhooks.status if path == STATUS_PATH else webhooks.inbound
    return view(request)


def _settings(company_id: int) -> WhatsAppSettings:
    with all_companies():
        return WhatsAppSettings.objects.get(company_id=company_id)


def post_status(*, company_id: int, sid: str, status: str, error_code: str = "") -> int:
    wa = _settings(company_id)
    params = {
        "AccountSid": wa.twilio_account_sid,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": f"whatsapp:{wa.sender_number}",
        "ApiVersion": "2010-04-01",
        "ChannelPrefix": "whatsapp",
    }
    if error_code:
        from whatsapp.errors import NOTE_TEXTS

        params["ErrorCode"] = str(error_code)
        params["ErrorMessage"] = f"Simulated error {error_code}" + (
            "" if str(error_code) in NOTE_TEXTS else " (unlisted)"
        )
    return signed_post(path=STATUS_PATH, params=params, auth_token=wa.twilio_auth_token).status_code


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
    sid = new_message_sid()
    params = {
        "AccountSid": wa.twilio_account_sid,
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "From": f"whatsapp:{from_number}",
        "To": f"whatsapp:{wa.sender_number}",
        "Body": body,
        "NumMedia": str(len(media or [])),
        "ProfileName": profile_name,
        "WaId": from_number.lstrip("+"),
        "ApiVersion": "2010-04-01",
    }
    for index, (url, content_type) in enumerate(media or []):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    if button_payload:
        params["ButtonPayload"] = button_payload
        params["ButtonText"] = button_payload
    if referral:
        params.update(
            {
                "ReferralSourceType": "ad",
                "ReferralSourceId": "demo-ad-1",
                "ReferralSourceUrl": "https://fb.me/demo-ad",
                "ReferralHeadline": "Join this month",
                "ReferralBody": "Free week pass",
                "ReferralCtwaClid": "demo-click-1",
            }
        )
    return signed_post(
        path=INBOUND_PATH, params=params, auth_token=wa.twilio_auth_token
    ).status_code
