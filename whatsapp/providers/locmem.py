"""The `locmem` WhatsApp backend: an in-memory outbox for tests (like Django's locmem email)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from templates_app.content_backends import LocmemContentMixin
from whatsapp.providers import (
    FoundMessage,
    OutboundMessage,
    ProviderError,
    SendResult,
    WhatsAppBackend,
    new_message_sid,
)

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


def reset() -> None:
    outbox.clear()
    fail_next.clear()
    media.clear()
    media_fetches.clear()
    lose_answer_next.clear()


class LocmemBackend(LocmemContentMixin, WhatsAppBackend):
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

    def fetch_media(self, url: str):
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
