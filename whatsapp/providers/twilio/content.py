"""Twilio's Content API (content.twilio.com/v1): WhatsApp templates as Content resources, their
approval requests and Meta's verdict, through the official client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException

from whatsapp.providers import ContentApproval, ContentDraft, ProviderError
from whatsapp.providers.twilio.client import make_client
from whatsapp.providers.twilio.errors import classify_rest_error

# Twilio's WhatsApp approval statuses → ours. "received" and "in_appeal" are still under review.
APPROVAL_STATUSES = {
    "approved": "approved",
    "rejected": "rejected",
    "paused": "paused",
    "disabled": "disabled",
    "pending": "pending",
    "received": "pending",
    "in_appeal": "pending",
    "unsubmitted": "unsubmitted",
}


def approval_from_twilio(whatsapp: dict | None) -> ContentApproval:
    """Twilio's `whatsapp` approval object (or none filed yet) as our ContentApproval."""
    if not whatsapp:
        return ContentApproval(status="unsubmitted")
    raw = str(whatsapp.get("status") or "unsubmitted").lower()
    return ContentApproval(
        status=APPROVAL_STATUSES.get(raw, "pending"),
        rejection_reason=str(whatsapp.get("rejection_reason") or ""),
    )


def content_body(draft: ContentDraft) -> dict[str, Any]:
    """The Content API create body: friendly_name, language, variables (samples) and one type.

    Plain text → twilio/text; a text header or a footer → whatsapp/card (the only type that carries
    them); otherwise quick replies → twilio/quick-reply, URL/phone → twilio/call-to-action, a
    media header → twilio/media.
    """
    header = draft.header
    media = [header["url"]] if header.get("type") in ("image", "video", "document") else []
    header_text = header.get("text", "") if header.get("type") == "text" else ""
    buttons = list(draft.buttons)
    quick = [b for b in buttons if b.get("type") == "quick_reply"]
    cta = [b for b in buttons if b.get("type") in ("url", "phone")]
    if header_text or draft.footer:
        types = {"whatsapp/card": _card(draft, header_text, media, buttons)}
    elif quick:
        types = {"twilio/quick-reply": {"body": draft.body, "actions": _actions(quick)}}
    elif cta:
        types = {"twilio/call-to-action": {"body": draft.body, "actions": _actions(cta)}}
    elif media:
        types = {"twilio/media": {"body": draft.body, "media": media}}
    else:
        types = {"twilio/text": {"body": draft.body}}
    return {
        "friendly_name": draft.name,
        "language": draft.language,
        "variables": dict(draft.variable_samples),
        "types": types,
    }


def _card(draft: ContentDraft, header_text: str, media: list, buttons: list) -> dict[str, Any]:
    card: dict[str, Any] = {"body": draft.body}
    if header_text:
        card["header_text"] = header_text
    if draft.footer:
        card["footer"] = draft.footer
    if media:
        card["media"] = media
    if buttons:
        card["actions"] = _actions(buttons)
    return card


def _actions(buttons: list[dict]) -> list[dict[str, str]]:
    return [_action(button, index) for index, button in enumerate(buttons, start=1)]


def _action(button: dict, index: int) -> dict[str, str]:
    if button["type"] == "url":
        return {"type": "URL", "title": button["text"], "url": button["url"]}
    if button["type"] == "phone":
        return {"type": "PHONE_NUMBER", "title": button["text"], "phone": button["phone"]}
    return {"type": "QUICK_REPLY", "title": button["text"], "id": f"button_{index}"}


def approval_request_body(*, name: str, category: str) -> dict[str, str]:
    return {"name": name, "category": category.upper()}


class _JsonBody:
    """The twilio client serialises request models with `to_dict()`, which writes every optional
    property as null (e.g. `"twilio/media": null`, an action's `"phone": null`). Twilio's spec does
    not allow null for most of them, so we hand the client the exact body instead."""

    def __init__(self, body: dict):
        self._body = body

    def to_dict(self) -> dict:
        return self._body


def _call(call):
    try:
        return call()
    except TwilioRestException as exc:
        raise classify_rest_error(exc, default=str(exc)) from exc
    except (TwilioException, OSError) as exc:  # connection errors, timeouts
        raise ProviderError(str(exc), transient=True) from exc


class ContentAPI:
    """content.twilio.com/v1/Content and .../ApprovalRequests/whatsapp (mixed into TwilioBackend)."""

    def _contents(self):
        client = make_client(
            account_sid=self.credentials.account_sid, auth_token=self.credentials.auth_token
        )
        return client.content.v1.contents

    def content_create(self, *, draft: ContentDraft) -> str:
        contents = self._contents()
        body = _JsonBody(content_body(draft))
        return _call(lambda: contents.create(content_create_request=body)).sid

    def content_submit(self, *, content_sid: str, draft: ContentDraft) -> ContentApproval:
        contents = self._contents()
        body = _JsonBody(approval_request_body(name=draft.name, category=draft.category))
        approval = _call(
            lambda: contents(content_sid).approval_create.create(content_approval_request=body)
        )
        reason = getattr(approval, "rejection_reason", "") or ""
        return approval_from_twilio({"status": approval.status, "rejection_reason": reason})

    def content_fetch_approval(
        self, *, content_sid: str, submitted_at: datetime | None = None
    ) -> ContentApproval:
        contents = self._contents()
        approval = _call(lambda: contents(content_sid).approval_fetch().fetch())
        return approval_from_twilio(approval.whatsapp)
