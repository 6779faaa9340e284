"""The `twilio` WhatsApp backend: the official client's Messages create and Messages list, the
Content API (whatsapp.providers.twilio.content) and inbound media (.media)."""

from __future__ import annotations

import json
import threading
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioRestException

from whatsapp.providers import (
    FoundMessage,
    MediaContent,
    OutboundMessage,
    ProviderError,
    SendResult,
    WhatsAppBackend,
)
from whatsapp.providers.twilio.client import make_client
from whatsapp.providers.twilio.content import ContentAPI
from whatsapp.providers.twilio.errors import (
    answer_lost,
    classify_rest_error,
    never_reached_twilio,
    unreachable,
)
from whatsapp.providers.twilio.media import media_fetch

_clients = threading.local()


def _client_for(account_sid: str, auth_token: str):
    """One client per thread and account: keeps its HTTP connections alive between sends."""
    cache = getattr(_clients, "by_account", None)
    if cache is None:
        cache = _clients.by_account = {}
    key = (account_sid, auth_token)
    if key not in cache:
        cache[key] = make_client(account_sid=account_sid, auth_token=auth_token)
    return cache[key]


def clients_reset() -> None:
    """Forget this thread's clients (tests: after TWILIO_API_BASE changed)."""
    _clients.__dict__.clear()


def _e164(address: str) -> str:
    return address[len("whatsapp:") :] if address.startswith("whatsapp:") else address


class TwilioBackend(ContentAPI, WhatsAppBackend):
    @property
    def client(self):
        return _client_for(self.credentials.account_sid, self.credentials.auth_token)

    def message_params(self, outbound: OutboundMessage) -> dict:
        params: dict = {"to": f"whatsapp:{outbound.to}"}
        if self.credentials.messaging_service_sid:
            params["messaging_service_sid"] = self.credentials.messaging_service_sid
        else:
            params["from_"] = f"whatsapp:{self.credentials.sender_number}"
        if outbound.status_callback:
            params["status_callback"] = outbound.status_callback
        if outbound.content_sid:
            params["content_sid"] = outbound.content_sid
            params["content_variables"] = json.dumps(outbound.content_variables)
        else:
            params["body"] = outbound.body
        return params

    def send(self, outbound: OutboundMessage) -> SendResult:
        try:
            created = self.client.messages.create(**self.message_params(outbound))
        except TwilioRestException as exc:
            raise classify_rest_error(exc) from None
        except requests.exceptions.RequestException as exc:
            if never_reached_twilio(exc):
                raise unreachable(type(exc).__name__) from None
            # Twilio may have accepted it: sending again could send it twice. Reconciled instead.
            raise answer_lost(type(exc).__name__) from None
        return SendResult(sid=created.sid, status=created.status or "queued")

    def messages_sent_to(self, *, to: str, since: datetime) -> list[FoundMessage]:
        """Twilio's Messages list filtered by To, From (the sender) and DateSent > since."""
        params: dict = {"to": f"whatsapp:{to}", "date_sent_after": since, "page_size": 50}
        if self.credentials.sender_number:
            params["from_"] = f"whatsapp:{self.credentials.sender_number}"
        try:
            # One page (newest first) is plenty for one recipient since one claim.
            found = list(self.client.messages.page(**params))
        except TwilioRestException as exc:
            raise classify_rest_error(exc) from None
        except requests.exceptions.RequestException as exc:
            raise ProviderError(
                f"Could not look messages up at Twilio: {type(exc).__name__}", transient=True
            ) from None
        return [
            FoundMessage(
                sid=item.sid,
                to=_e164(item.to or ""),
                body=item.body or "",
                status=item.status or "",
                date_sent=item.date_sent,
            )
            for item in found
        ]

    def fetch_media(self, url: str) -> MediaContent:
        return media_fetch(url, credentials=self.credentials)
