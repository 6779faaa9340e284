"""WhatsApp provider backends, chosen by settings.WHATSAPP_BACKEND like Django's email backends.

One small contract (`WhatsAppBackend`): `send(outbound) -> SendResult` for messages,
`messages_sent_to(to=, since=)` to find what Twilio holds when a send's outcome is unknown, and the Content
API calls for templates (`content_create`, `content_submit`, `content_fetch_approval`, implemented by
the mixins in `templates_app.content_backends`). The company's credentials are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

ALIASES = {
    "twilio": "whatsapp.providers.twilio.TwilioBackend",
    "console": "whatsapp.providers.console.ConsoleBackend",
    "locmem": "whatsapp.providers.locmem.LocmemBackend",
}


@dataclass(frozen=True)
class Credentials:
    """What a backend needs from the company's WhatsApp settings."""

    company_id: int
    account_sid: str
    auth_token: str
    sender_number: str
    messaging_service_sid: str = ""

    def __repr__(self) -> str:  # never let the token reach a log or a traceback
        return f"Credentials(company_id={self.company_id}, account_sid={self.account_sid!r})"


@dataclass(frozen=True)
class OutboundMessage:
    """One message to send. Exactly one of `body` or `content_sid` is set."""

    message_id: int
    to: str  # E.164
    body: str = ""
    content_sid: str = ""
    content_variables: dict[str, str] = field(default_factory=dict)
    status_callback: str = ""


def new_message_sid() -> str:
    """A Twilio-like message SID: 'SM' + 32 hex digits."""
    import uuid

    return "SM" + uuid.uuid4().hex


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str = "queued"


@dataclass(frozen=True)
class FoundMessage:
    """A message as the provider holds it (Twilio's Messages list), for reconciliation."""

    sid: str
    to: str  # E.164, without the whatsapp: prefix
    body: str
    status: str
    date_sent: datetime | None = None


class ProviderError(Exception):
    """A provider refused or failed. `transient` errors are retried; permanent ones are not.

    `unknown_outcome`: the request may have reached the provider (the connection broke after it
    was written, or no answer came in time). Such a send is neither retried nor failed: it is
    reconciled by looking the message up (whatsapp.services.recovery).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        transient: bool,
        unknown_outcome: bool = False,
    ):
        super().__init__(message)
        self.code = code
        self.status = status
        self.transient = transient
        self.unknown_outcome = unknown_outcome


@dataclass(frozen=True)
class ContentApproval:
    """Twilio Content API's WhatsApp approval state for one Content resource."""

    status: (
        str  # our TemplateStatus value: pending, approved, rejected, paused, disabled, unsubmitted
    )
    rejection_reason: str = ""


class WhatsAppBackend:
    def __init__(self, *, credentials: Credentials):
        self.credentials = credentials

    def send(self, outbound: OutboundMessage) -> SendResult:
        raise NotImplementedError

    def after_send(self, outbound: OutboundMessage, result: SendResult) -> None:
        """Called once the SID is stored (the console backend plays its callbacks from here)."""

    def fetch_media(self, url: str):
        """An inbound message's media, fetched with the company's credentials (MediaContent)."""
        from whatsapp.providers.media import media_fetch_over_http

        return media_fetch_over_http(url, credentials=self.credentials)

    def messages_sent_to(self, *, to: str, since: datetime) -> list[FoundMessage]:
        """Messages sent from this company's sender to `to` (E.164) since `since`, as the
        provider holds them. Raises ProviderError when the provider cannot be asked.
        """
        raise NotImplementedError

    # Content API (templates): see templates_app.content_backends
    def content_create(self, *, template) -> str:
        raise NotImplementedError

    def content_submit(self, *, template) -> ContentApproval:
        raise NotImplementedError

    def content_fetch_approval(self, *, template) -> ContentApproval:
        raise NotImplementedError


def get_backend(*, credentials: Credentials, backend: str | None = None) -> WhatsAppBackend:
    path = backend or settings.WHATSAPP_BACKEND
    return import_string(ALIASES.get(path, path))(credentials=credentials)
