"""Twilio's webhooks, read and written: the X-Twilio-Signature check, the signing account, and the
translation of Twilio's parameters into our `StatusEvent` / `InboundEvent`
(whatsapp.providers.events) — and back, for playing Twilio's side (whatsapp.simulate).

The only place that knows Twilio's parameter names (MessageSid/SmsSid, MessageStatus/SmsStatus,
AccountSid, ErrorCode, From, To, Body, NumMedia, MediaUrl<n>, Referral*...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from twilio.request_validator import RequestValidator

from whatsapp.providers.events import InboundEvent, MediaItem, StatusEvent

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"  # X-Twilio-Signature in request.META
MAX_MEDIA = 10  # Twilio sends at most 10 media per message
WHATSAPP_PREFIX = "whatsapp:"


def request_signature(meta) -> str | None:
    """The request's X-Twilio-Signature, or None when missing or not ASCII (a signature is base64:
    anything else is refused before it meets an HMAC comparison)."""
    signature = meta.get(SIGNATURE_HEADER, "")
    if not signature or not signature.isascii():
        return None
    return signature


def signing_account(params: dict) -> str:
    """The AccountSid the request claims to be signed by (checked by `signature_valid`)."""
    return params.get("AccountSid") or ""


def signature_valid(token: str, url: str, params: dict, signature: str) -> bool:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted params, base64. The URL
    as configured is checked first (one HMAC); otherwise the official validator decides (it also
    tries the URL with/without an explicit port).
    """
    payload = url + "".join(key + params[key] for key in sorted(params))
    expected = base64.b64encode(
        hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()
    if hmac.compare_digest(expected, signature):
        return True
    return RequestValidator(token).validate(url, params, signature)


def signature_for(token: str, url: str, params: dict) -> str:
    """The X-Twilio-Signature Twilio would send (playing Twilio's side)."""
    return RequestValidator(token).compute_signature(url, params)


# --- Twilio's parameters → our events ---------------------------------------------------------


def _address(raw) -> str:
    """`whatsapp:+44...` → `+44...` (trimmed; the prefix in any case)."""
    text = (raw or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX) :]
    return text


def _count(value) -> int:
    try:
        return max(0, min(int(value or 0), MAX_MEDIA))
    except (TypeError, ValueError):
        return 0


def _sid(params: dict) -> str:
    return params.get("MessageSid") or params.get("SmsSid") or ""


def status_event(params: dict) -> StatusEvent:
    """A status callback's parameters (as posted, or as stored in a WebhookEvent)."""
    return StatusEvent(
        account=params.get("AccountSid") or "",
        sid=_sid(params),
        status=(params.get("MessageStatus") or params.get("SmsStatus") or "").lower(),
        error_code=params.get("ErrorCode") or "",
        error_message=params.get("ErrorMessage") or "",
    )


def _referral(params: dict) -> dict[str, str]:
    """A click-to-WhatsApp ad's fields. Twilio sends ReferralNumMedia=0 with every WhatsApp
    message: only an ad's fields make a referral."""
    referral = {k: v for k, v in params.items() if k.startswith("Referral") and v}
    if set(referral) <= {"ReferralNumMedia"} and referral.get("ReferralNumMedia", "0") == "0":
        return {}
    return referral


def inbound_event(params: dict) -> InboundEvent:
    """An incoming-message request's parameters (as posted, or as stored in a WebhookEvent)."""
    return InboundEvent(
        account=params.get("AccountSid") or "",
        sid=_sid(params),
        to_number=_address(params.get("To")),
        from_number=_address(params.get("From")),
        body=params.get("Body") or "",
        profile_name=params.get("ProfileName") or "",
        button_payload=params.get("ButtonPayload") or params.get("ButtonText") or "",
        button_text=params.get("ButtonText") or "",
        media=tuple(
            MediaItem(
                url=params.get(f"MediaUrl{i}") or "",
                content_type=params.get(f"MediaContentType{i}") or "",
            )
            for i in range(_count(params.get("NumMedia")))
        ),
        referral=_referral(params),
    )


# --- Our events → Twilio's parameters (playing Twilio: whatsapp.simulate, the console backend) ---

# What a click-to-WhatsApp ad adds to an incoming message (development and demos).
EXAMPLE_AD_REFERRAL = {
    "ReferralSourceType": "ad",
    "ReferralSourceId": "demo-ad-1",
    "ReferralSourceUrl": "https://fb.me/demo-ad",
    "ReferralHeadline": "Join this month",
    "ReferralBody": "Free week pass",
    "ReferralCtwaClid": "demo-click-1",
}


def status_params(event: StatusEvent, *, sender: str) -> dict[str, str]:
    """The status callback Twilio would post for `event` (a message from our `sender`)."""
    params = {
        "AccountSid": event.account,
        "MessageSid": event.sid,
        "SmsSid": event.sid,
        "MessageStatus": event.status,
        "SmsStatus": event.status,
        "From": f"{WHATSAPP_PREFIX}{sender}",
        "ApiVersion": "2010-04-01",
        "ChannelPrefix": "whatsapp",
    }
    if event.error_code:
        params["ErrorCode"] = event.error_code
        params["ErrorMessage"] = event.error_message
    return params


def inbound_params(event: InboundEvent) -> dict[str, str]:
    """The incoming-message request Twilio would post for `event`."""
    params = {
        "AccountSid": event.account,
        "MessageSid": event.sid,
        "SmsMessageSid": event.sid,
        "From": f"{WHATSAPP_PREFIX}{event.from_number}",
        "To": f"{WHATSAPP_PREFIX}{event.to_number}",
        "Body": event.body,
        "NumMedia": str(len(event.media)),
        "ProfileName": event.profile_name,
        "WaId": event.from_number.lstrip("+"),
        "ApiVersion": "2010-04-01",
    }
    for index, item in enumerate(event.media):
        params[f"MediaUrl{index}"] = item.url
        params[f"MediaContentType{index}"] = item.content_type
    if event.button_payload:
        params["ButtonPayload"] = event.button_payload
        params["ButtonText"] = event.button_text or event.button_payload
    params.update(event.referral)
    return params
