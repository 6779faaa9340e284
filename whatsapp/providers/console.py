"""The `console` WhatsApp backend: logs the message, then plays Twilio's status callbacks
(sent → delivered → read) through our own signed webhook, so the whole loop runs without Twilio.

Templates get fake Content SIDs, and Meta "approves" a submission once it is a few seconds old
(WHATSAPP_CONSOLE_APPROVAL_SECONDS), so the demo shows pending → approved on the next sync.
Inbound media is fetched from Twilio as the twilio backend does.
"""

from __future__ import annotations

import logging
import sys
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta

from celery import signature
from django.conf import settings
from django.utils import timezone

from whatsapp.providers import (
    ContentApproval,
    ContentDraft,
    FoundMessage,
    MediaContent,
    OutboundMessage,
    SendResult,
    WhatsAppBackend,
    new_message_sid,
)

logger = logging.getLogger("whatsapp.console")
PLAYED_STATUSES = ("sent", "delivered", "read")
STEP_SECONDS = 1.0
# The task that posts one signed status callback to our own webhook (whatsapp.tasks).
POST_STATUS_TASK = "whatsapp.console_post_status"


def new_content_sid() -> str:
    """A Twilio-like Content SID: 'HX' + 32 hex digits."""
    return "HX" + uuid.uuid4().hex


def console_approval_seconds() -> float:
    return float(getattr(settings, "WHATSAPP_CONSOLE_APPROVAL_SECONDS", 10))


class ConsoleBackend(WhatsAppBackend):
    def send(self, outbound: OutboundMessage) -> SendResult:
        sid = new_message_sid()
        what = (
            f"template {outbound.content_sid} {outbound.content_variables}"
            if outbound.content_sid
            else repr(outbound.body)
        )
        # Never the auth token: only the account and the sender.
        logger.info(
            "WhatsApp (console) %s from %s to %s: %s",
            sid,
            self.credentials.messaging_service_sid or self.credentials.sender_number,
            outbound.to,
            what,
        )
        return SendResult(sid=sid, status="queued")

    def after_send(self, outbound: OutboundMessage, result: SendResult) -> None:
        eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        for step, status in enumerate(PLAYED_STATUSES, start=1):
            signature(
                POST_STATUS_TASK, args=(self.credentials.company_id, result.sid, status)
            ).apply_async(countdown=None if eager else step * STEP_SECONDS)

    def messages_sent_to(self, *, to: str, since: datetime) -> list[FoundMessage]:
        """The console keeps nothing: a send whose outcome is unknown is sent again."""
        return []

    def fetch_media(self, url: str) -> MediaContent:
        from whatsapp.providers.twilio.media import media_fetch

        return media_fetch(url, credentials=self.credentials)

    # Content API: fake Content SIDs, a pretend review.
    def _print(self, line: str) -> None:
        sys.stdout.write(f"[whatsapp console] {line}\n")
        sys.stdout.flush()

    def content_create(self, *, draft: ContentDraft) -> str:
        sid = new_content_sid()
        self._print(f"content create {sid}: {asdict(draft)}")
        return sid

    def content_submit(self, *, content_sid: str, draft: ContentDraft) -> ContentApproval:
        self._print(f"approval request {content_sid}: {draft.name} ({draft.category})")
        return ContentApproval(status="pending")

    def content_fetch_approval(
        self, *, content_sid: str, submitted_at: datetime | None = None
    ) -> ContentApproval:
        if submitted_at is None:
            return ContentApproval(status="unsubmitted")
        if timezone.now() - submitted_at >= timedelta(seconds=console_approval_seconds()):
            return ContentApproval(status="approved")
        return ContentApproval(status="pending")
