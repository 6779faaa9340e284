"""Twilio's Messages create without blocking (aiohttp), for bulk sends (campaigns): the same
endpoint, fields and error classification as the backend's official client, built for many
messages of one shape.

    client = AsyncMessagesClient(credentials=credentials)
    form = client.form(content_sid=..., status_callback=...)    # once per campaign
    session = client.session(concurrency=200)                     # inside the event loop
    sid = await client.create(session, form.encode(to="+44…", content='{"1": "Ann"}'))

`create` returns the new message's SID or raises ProviderError: `transient` (never reached
Twilio, a 5xx, 429 or 63010: safe to send again), `unknown_outcome` (the answer was lost after the
request went out: look the message up before sending again), else a refusal with Twilio's code.
"""

from __future__ import annotations

import json
from urllib.parse import quote_plus, urlencode

import aiohttp
from django.conf import settings
from yarl import URL

from whatsapp.providers import Credentials, OutboundMessage
from whatsapp.providers.twilio.backend import TwilioBackend
from whatsapp.providers.twilio.errors import answer_lost, provider_error, unreachable

TWILIO_API = "https://api.twilio.com"
# The official client's keyword names (TwilioBackend.message_params) → Twilio's form fields.
FORM_NAMES = {
    "to": "To",
    "from_": "From",
    "messaging_service_sid": "MessagingServiceSid",
    "status_callback": "StatusCallback",
    "content_sid": "ContentSid",
    "content_variables": "ContentVariables",
    "body": "Body",
}


class MessagesForm:
    """The create's form for many messages that share the sender, the Content template (or none)
    and the status callback: those fields are encoded once, per message only To and the
    variables (a JSON object, with a Content template) or the body text."""

    def __init__(self, *, credentials: Credentials, content_sid: str, status_callback: str):
        params = TwilioBackend(credentials=credentials).message_params(
            OutboundMessage(
                message_id=0, to="", content_sid=content_sid, status_callback=status_callback
            )
        )
        content = "content_variables" if content_sid else "body"
        shared = {
            FORM_NAMES[key]: value for key, value in params.items() if key not in ("to", content)
        }
        self._to = urlencode(shared) + "&" + FORM_NAMES["to"] + "=" + quote_plus("whatsapp:")
        self._content = "&" + FORM_NAMES[content] + "="

    def encode(self, *, to: str, content: str) -> bytes:
        """`to` in E.164; `content` the variables as JSON, or the body text."""
        return (self._to + quote_plus(to) + self._content + quote_plus(content)).encode()


class AsyncMessagesClient:
    def __init__(self, *, credentials: Credentials):
        self.credentials = credentials
        base = (settings.TWILIO_API_BASE or TWILIO_API).rstrip("/")
        self.url = URL(f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Messages.json")

    def form(self, *, content_sid: str, status_callback: str) -> MessagesForm:
        return MessagesForm(
            credentials=self.credentials, content_sid=content_sid, status_callback=status_callback
        )

    def session(self, *, concurrency: int) -> aiohttp.ClientSession:
        """Keep-alive connections, at most `concurrency` at once. Call inside the event loop."""
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=concurrency, keepalive_timeout=30, ttl_dns_cache=300
            ),
            timeout=aiohttp.ClientTimeout(total=15, connect=5),
            headers={
                "Authorization": aiohttp.encode_basic_auth(
                    self.credentials.account_sid, self.credentials.auth_token
                ),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    async def create(self, session: aiohttp.ClientSession, form: bytes) -> str:
        try:
            async with session.post(self.url, data=form) as response:
                raw = await response.read()
                status = response.status
        except aiohttp.ClientConnectorError as exc:  # never reached Twilio: safe to retry
            raise unreachable(str(exc)) from None
        except (TimeoutError, aiohttp.ClientError) as exc:  # sent, answer lost: reconcile
            raise answer_lost(type(exc).__name__) from None
        return sid_of(status, raw)


def sid_of(status: int, raw: bytes) -> str:
    """Twilio's answer to a create: the new message's SID, or its refusal as a ProviderError."""
    try:
        payload = json.loads(raw) if raw else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if status in (200, 201) and payload.get("sid"):
        return payload["sid"]
    raise provider_error(
        status=status,
        code=payload.get("code"),
        message=payload.get("message") or f"Twilio answered HTTP {status}",
    )
