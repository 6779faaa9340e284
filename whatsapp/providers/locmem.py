"""The `locmem` WhatsApp backend: an in-memory outbox for tests (like Django's locmem email)."""

from __future__ import annotations

from templates_app.content_backends import LocmemContentMixin
from whatsapp.providers import (
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


def reset() -> None:
    outbox.clear()
    fail_next.clear()
    media.clear()
    media_fetches.clear()


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
            }
        )
        return SendResult(sid=sid, status="queued")

    def fetch_media(self, url: str):
        media_fetches.append({"url": url, "credentials": self.credentials})
        if url not in media:
            raise ProviderError("Twilio answered 404 for this media.", status=404, transient=False)
        return media[url]
