"""Twilio Content API per backend, mixed into the WhatsApp provider backends (one seam).

`whatsapp.providers.twilio.TwilioBackend` = `TwilioContentMixin` + its send; likewise console, locmem.
Every backend answers with our statuses (`ContentApproval.status` is a TemplateStatus value).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import threading
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from templates_app.rules import variable_sample
from whatsapp.providers import ContentApproval, ProviderError

logger = logging.getLogger(__name__)

# Twilio's WhatsApp approval statuses → ours. "received" and "in_appeal" are still under review.
TWILIO_APPROVAL_STATUSES = {
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
        status=TWILIO_APPROVAL_STATUSES.get(raw, "pending"),
        rejection_reason=str(whatsapp.get("rejection_reason") or ""),
    )


def meta_template_name(template) -> str:
    """Meta's template names are lowercase letters, digits and underscores."""
    slug = re.sub(r"[^a-z0-9]+", "_", template.name.lower()).strip("_") or "template"
    return f"{slug[:480]}_{template.pk}"


def content_payload(template) -> dict[str, Any]:
    """The Content API create body: friendly_name, language, variables (samples) and one type.

    Plain text → twilio/text; a text header or a footer → whatsapp/card (the only type that carries
    them); otherwise quick replies → twilio/quick-reply, URL/phone → twilio/call-to-action, a
    media header → twilio/media.
    """
    header = template.header if isinstance(template.header, dict) else {}
    media = [header["url"]] if header.get("type") in ("image", "video", "document") else []
    header_text = header.get("text", "") if header.get("type") == "text" else ""
    buttons = template.buttons or []
    quick = [b for b in buttons if b.get("type") == "quick_reply"]
    cta = [b for b in buttons if b.get("type") in ("url", "phone")]
    if header_text or template.footer:
        card: dict[str, Any] = {"body": template.body}
        if header_text:
            card["header_text"] = header_text
        if template.footer:
            card["footer"] = template.footer
        if media:
            card["media"] = media
        if buttons:
            card["actions"] = [_action(b, index) for index, b in enumerate(buttons, start=1)]
        types = {"whatsapp/card": card}
    elif quick:
        types = {
            "twilio/quick-reply": {
                "body": template.body,
                "actions": [_action(b, index) for index, b in enumerate(quick, start=1)],
            }
        }
    elif cta:
        types = {
            "twilio/call-to-action": {
                "body": template.body,
                "actions": [_action(b, index) for index, b in enumerate(cta, start=1)],
            }
        }
    elif media:
        types = {"twilio/media": {"body": template.body, "media": media}}
    else:
        types = {"twilio/text": {"body": template.body}}
    variables = {
        str(number): variable_sample(mapping)
        for number, mapping in sorted((template.variables or {}).items(), key=lambda i: int(i[0]))
        if isinstance(mapping, dict)
    }
    return {
        "friendly_name": meta_template_name(template),
        "language": template.language,
        "variables": variables,
        "types": types,
    }


def _action(button: dict, index: int) -> dict[str, str]:
    if button["type"] == "url":
        return {"type": "URL", "title": button["text"], "url": button["url"]}
    if button["type"] == "phone":
        return {"type": "PHONE_NUMBER", "title": button["text"], "phone": button["phone"]}
    return {"type": "QUICK_REPLY", "title": button["text"], "id": f"button_{index}"}


def approval_request_payload(template) -> dict[str, str]:
    return {"name": meta_template_name(template), "category": template.category.upper()}


class _JsonBody:
    """The twilio client serialises request models with `to_dict()`, which writes every optional
    property as null (e.g. `"twilio/media": null`, an action's `"phone": null`). Twilio's spec does
    not allow null for most of them, so we hand the client the exact body instead."""

    def __init__(self, body: dict):
        self._body = body

    def to_dict(self) -> dict:
        return self._body


class TwilioContentMixin:
    """content.twilio.com/v1/Content and .../ApprovalRequests/whatsapp through the twilio client."""

    def _content_api(self):
        from whatsapp.providers.twilio.client import make_client

        client = make_client(
            account_sid=self.credentials.account_sid, auth_token=self.credentials.auth_token
        )
        return client.content.v1.contents

    def _twilio_call(self, call):
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return call()
        except TwilioRestException as exc:
            transient = exc.status >= 500 or exc.status == 429
            raise ProviderError(
                exc.msg or str(exc),
                code=str(exc.code or ""),
                status=exc.status,
                transient=transient,
            ) from exc
        except (TwilioException, OSError) as exc:  # connection errors, timeouts
            raise ProviderError(str(exc), transient=True) from exc

    def content_create(self, *, template) -> str:
        contents = self._content_api()
        content = self._twilio_call(
            lambda: contents.create(content_create_request=_JsonBody(content_payload(template)))
        )
        return content.sid

    def content_submit(self, *, template) -> ContentApproval:
        contents = self._content_api()
        approval = self._twilio_call(
            lambda: contents(template.content_sid).approval_create.create(
                content_approval_request=_JsonBody(approval_request_payload(template))
            )
        )
        return approval_from_twilio({"status": approval.status, **_reason(approval)})

    def content_fetch_approval(self, *, template) -> ContentApproval:
        contents = self._content_api()
        approval = self._twilio_call(
            lambda: contents(template.content_sid).approval_fetch().fetch()
        )
        return approval_from_twilio(approval.whatsapp)


def _reason(approval) -> dict:
    return {"rejection_reason": getattr(approval, "rejection_reason", "") or ""}


def _fake_content_sid(template) -> str:
    seed = f"{template.company_id}:{template.pk}:{uuid.uuid4()}"
    return "HX" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def console_approval_seconds() -> float:
    return float(getattr(settings, "WHATSAPP_CONSOLE_APPROVAL_SECONDS", 10))


class ConsoleContentMixin:
    """Development: fake Content SIDs; Meta "approves" once the submission is a few seconds old,
    so the demo shows pending → approved (the next sync, manual or periodic, sees it)."""

    def _print(self, line: str) -> None:
        sys.stdout.write(f"[whatsapp console] {line}\n")
        sys.stdout.flush()

    def content_create(self, *, template) -> str:
        sid = _fake_content_sid(template)
        self._print(f"content create {sid}: {content_payload(template)}")
        return sid

    def content_submit(self, *, template) -> ContentApproval:
        self._print(
            f"approval request {template.content_sid}: {approval_request_payload(template)}"
        )
        return ContentApproval(status="pending")

    def content_fetch_approval(self, *, template) -> ContentApproval:
        submitted = template.submitted_at
        if submitted is None:
            return ContentApproval(status="unsubmitted")
        if timezone.now() - submitted >= timedelta(seconds=console_approval_seconds()):
            return ContentApproval(status="approved")
        return ContentApproval(status="pending")


# Locmem state, shared by every LocmemBackend instance in the process (like mail.outbox).
locmem_contents: dict[str, dict] = {}
locmem_approval_requests: dict[str, dict] = {}
locmem_approvals: dict[str, ContentApproval] = {}
_locmem_lock = threading.Lock()


def locmem_reset() -> None:
    with _locmem_lock:
        locmem_contents.clear()
        locmem_approval_requests.clear()
        locmem_approvals.clear()


def locmem_set_approval(content_sid: str, status: str, rejection_reason: str = "") -> None:
    """Tests: play Meta's decision on a submitted Content resource."""
    with _locmem_lock:
        locmem_approvals[content_sid] = ContentApproval(status, rejection_reason)


class LocmemContentMixin:
    """Tests: keeps the Content resources and approval requests in memory."""

    def content_create(self, *, template) -> str:
        sid = _fake_content_sid(template)
        with _locmem_lock:
            locmem_contents[sid] = content_payload(template)
        return sid

    def content_submit(self, *, template) -> ContentApproval:
        with _locmem_lock:
            if template.content_sid not in locmem_contents:
                raise ProviderError("Content not found", code="20404", status=404, transient=False)
            locmem_approval_requests[template.content_sid] = approval_request_payload(template)
            locmem_approvals[template.content_sid] = ContentApproval("pending")
        return ContentApproval("pending")

    def content_fetch_approval(self, *, template) -> ContentApproval:
        with _locmem_lock:
            if template.content_sid not in locmem_contents:
                raise ProviderError("Content not found", code="20404", status=404, transient=False)
            return locmem_approvals.get(template.content_sid, ContentApproval("unsubmitted"))
