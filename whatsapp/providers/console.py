"""The `console` WhatsApp backend: logs the message, then plays Twilio's status callbacks
(sent → delivered → read) through our own signed webhook, so the whole loop runs without Twilio.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings

from templates_app.content_backends import ConsoleContentMixin
from whatsapp.providers import (
    FoundMessage,
    OutboundMessage,
    SendResult,
    WhatsAppBackend,
    new_message_sid,
)

logger = logging.getLogger("whatsapp.console")
PLAYED_STATUSES = ("sent", "delivered", "read")
STEP_SECONDS = 1.0


class ConsoleBackend(ConsoleContentMixin, WhatsAppBackend):
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
        from whatsapp.services.queue import CONSOLE_POST_STATUS, enqueue

        eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
        for step, status in enumerate(PLAYED_STATUSES, start=1):
            enqueue(
                CONSOLE_POST_STATUS,
                self.credentials.company_id,
                result.sid,
                status,
                countdown=0 if eager else step * STEP_SECONDS,
            )

    def messages_sent_to(self, *, to: str, since: datetime) -> list[FoundMessage]:
        """The console keeps nothing: a send whose outcome is unknown is sent again."""
        return []
