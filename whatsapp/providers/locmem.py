"""The `locmem` WhatsApp backend: an in-memory outbox for tests (like Django's locmem email).

Its state is shared by every LocmemBackend in the process (like mail.outbox); `reset()` empties
it. Content resources are kept as the twilio backend would file them (Twilio's request body).
"""

from __future__ import annotations

import threading
from datetime import datetime

from django.utils import timezone

from whatsapp.providers import (
    ContentApproval,
    ContentDraft,
    FoundMessage,
    MediaContent,
    OutboundMessage,
    ProviderError,
    SendResult,
    WhatsAppBackend,
    new_message_sid,
)
from whatsapp.providers.console import new_content_sid
from whatsapp.providers.twilio.content import approval_request_body, content_body

# Every message "sent", in order: dicts with the outbound message, its SID and the company.
outbox: list[dict] = []
# Errors to raise on the next sends (tests put ProviderError instances here), first in first out.
fail_next: list[ProviderError] = []
# Inbound media "on Twilio": URL → MediaContent; and each fetch made, with its credentials.
media: dict = {}
media_fetches: list[dict] = []
# Errors to raise AFTER the next sends were recorded: Twilio got the message but the answer was
# lost (a reset after the request was written, a read timeout).
lose_answer_next: list[ProviderError] = []
# Content API: Content SID → the request body filed; approval requests; Meta's decisions.
contents: dict[str, dict] = {}
approval_requests: dict[str, dict] = {}
approvals: dict[str, ContentApproval] = {}
_lock = threading.Lock()


def reset() -> None:
    outbox.clear()
    fail_next.clear()
    media.clear()
    media_fetches.clear()
    lose_answer_next.clear()
    with _lock:
        contents.clear()
        approval_requests.clear()
        approvals.clear()


def set_approval(content_sid: str, status: str, rejection_reason: str = "") -> None:
    """Tests: play Meta's decision on a submitted Content resource."""
    with _lock:
        approvals[content_sid] = ContentApproval(status, rejection_reason)


def _content_not_found() -> ProviderError:
    return ProviderError("Content not found", code="20404", status=404, transient=False)


class LocmemBackend(WhatsAppBackend):
    def send(self, outbound: OutboundMessage) -> SendResult:
        if fail_next:
            raise fail_next.pop(0)
        sid = new_message_sid()
        outbox.append(
            {
                "sid": sid,
                "company_id": self.credentials.company_id,
                "from": self.credentials.messaging_service_sid
                or f"whatsapp:{self.credentials.sender_number}",
                "message": outbound,
                "at": timezone.now(),
            }
        )
        if lose_answer_next:
            raise lose_answer_next.pop(0)
        return SendResult(sid=sid, status="queued")

    def fetch_media(self, url: str) -> MediaContent:
        media_fetches.append({"url": url, "credentials": self.credentials})
        if url not in media:
            raise ProviderError("Twilio answered 404 for this media.", status=404, transient=False)
        return media[url]

    def messages_sent_to(self, *, to: str, since: datetime) -> list[FoundMessage]:
        """Answers from the outbox, as Twilio's Messages list would (newest first)."""
        sender = (
            self.credentials.messaging_service_sid or f"whatsapp:{self.credentials.sender_number}"
        )
        return [
            FoundMessage(
                sid=sent["sid"],
                to=sent["message"].to,
                body=sent["message"].body,
                status="sent",
                date_sent=sent["at"],
            )
            for sent in reversed(outbox)
            if sent["company_id"] == self.credentials.company_id
            and sent["from"] == sender
            and sent["message"].to == to
            and sent["at"] >= since
        ]

    def content_create(self, *, draft: ContentDraft) -> str:
        sid = new_content_sid()
        with _lock:
            contents[sid] = content_body(draft)
        return sid

    def content_submit(self, *, content_sid: str, draft: ContentDraft) -> ContentApproval:
        with _lock:
            if content_sid not in contents:
                raise _content_not_found()
            approval_requests[content_sid] = approval_request_body(
                name=draft.name, category=draft.category
            )
            approvals[content_sid] = ContentApproval("pending")
        return ContentApproval("pending")

    def content_fetch_approval(
        self, *, content_sid: str, submitted_at: datetime | None = None
    ) -> ContentApproval:
        with _lock:
            if content_sid not in contents:
                raise _content_not_found()
            return approvals.get(content_sid, ContentApproval("unsubmitted"))
