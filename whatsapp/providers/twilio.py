"""The `twilio` WhatsApp backend: the official client's Messages.create."""

from __future__ import annotations

import json
import threading

import requests
from twilio.base.exceptions import TwilioRestException

from templates_app.content_backends import TwilioContentMixin
from whatsapp.providers import OutboundMessage, ProviderError, SendResult, WhatsAppBackend
from whatsapp.providers.twilio_client import make_client

TRANSIENT_ERROR_CODES = {"63010", "20429"}
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


def classify_rest_error(exc: TwilioRestException) -> ProviderError:
    code = str(exc.code or "")
    transient = (exc.status or 0) >= 500 or exc.status == 429 or code in TRANSIENT_ERROR_CODES
    return ProviderError(
        exc.msg or "Twilio refused the message", code=code, status=exc.status, transient=transient
    )


class TwilioBackend(TwilioContentMixin, WhatsAppBackend):
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
        except requests.exceptions.ConnectionError as exc:
            # Never reached Twilio (refused, DNS, connect timeout): safe to retry.
            raise ProviderError(
                f"Could not reach Twilio: {type(exc).__name__}", transient=True
            ) from None
        except requests.exceptions.Timeout:
            # Twilio may have accepted it: retrying could send it twice, so it is not retried.
            raise ProviderError(
                "No answer from Twilio in time; not retried to avoid sending twice.",
                code="timeout",
                transient=False,
            ) from None
        return SendResult(sid=created.sid, status=created.status or "queued")
