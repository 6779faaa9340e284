"""WhatsApp provider backends, chosen by settings.WHATSAPP_BACKEND like Django's email backends.

One small contract (`WhatsAppBackend`), in plain values (payloads and SIDs, never our models):
`send(outbound) -> SendResult` and `after_send`; `messages_sent_to(to=, since=)` to find what the
provider holds when a send's outcome is unknown; `fetch_media(url)` for inbound media; and the
Content API for templates (`content_create(draft=)`, `content_submit(content_sid=, draft=)`,
`content_fetch_approval(content_sid=, submitted_at=)`). The company's credentials are passed in.

Backends: `twilio` (the adapter package `whatsapp.providers.twilio`), `console` (development:
logs, and plays Twilio's callbacks), `locmem` (tests: in memory). What webhooks tell us arrives
as `whatsapp.providers.events` (StatusEvent, InboundEvent). tests/whatsapp/test_backend_contract.py
runs every method on every backend.
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
class ContentDraft:
    """A WhatsApp template as filed with the provider's content API (built by
    templates_app.content: the provider's adapter turns it into its own request)."""

    name: str  # Meta's template name: lowercase letters, digits and underscores
    language: str
    category: str  # utility | marketing | authentication
    body: str
    header: dict = field(default_factory=dict, hash=False)  # {"type": "text"|"image"|..., ...}
    footer: str = ""
    buttons: tuple[dict, ...] = field(
        default=(), hash=False
    )  # {"type": "quick_reply"|"url"|"phone", ...}
    variable_samples: dict[str, str] = field(default_factory=dict, hash=False)  # "1" → sample


@dataclass(frozen=True)
class MediaContent:
    """An inbound message's media as fetched from the provider."""

    content_type: str
    content: bytes


@dataclass(frozen=True)
class ContentApproval:
    """Twilio Content API's WhatsApp approval state for one Content resource."""

    status: (
        str  # our TemplateStatus value: pending, approved, rejected, paused, disabled, unsubmitted
    )
    rejection_reason: str = ""


class WhatsAppBackend:
    """The contract every backend implements (see the module's docstring)."""

    def __init__(self, *, credentials: Credentials):
        self.credentials = credentials

    def send(self, outbound: OutboundMessage) -> SendResult:
        """Hand one message to the provider. Raises ProviderError (transient, permanent, or
        unknown_outcome when it may have been accepted)."""
        raise NotImplementedError

    def after_send(self, outbound: OutboundMessage, result: SendResult) -> None:
        """Called once the SID is stored (the console backend plays its callbacks from here)."""

    def messages_sent_to(self, *, to: str, since: datetime) -> list[FoundMessage]:
        """Messages sent from this company's sender to `to` (E.164) since `since`, as the
        provider holds them. Raises ProviderError when the provider cannot be asked.
        """
        raise NotImplementedError

    def fetch_media(self, url: str) -> MediaContent:
        """An inbound message's media, fetched with the company's credentials. Raises
        ProviderError when it cannot be fetched."""
        raise NotImplementedError

    # Content API (templates)
    def content_create(self, *, draft: ContentDraft) -> str:
        """File the template as a Content resource; returns its Content SID."""
        raise NotImplementedError

    def content_submit(self, *, content_sid: str, draft: ContentDraft) -> ContentApproval:
        """Ask Meta (through the provider) to approve the Content resource for WhatsApp."""
        raise NotImplementedError

    def content_fetch_approval(
        self, *, content_sid: str, submitted_at: datetime | None = None
    ) -> ContentApproval:
        """Meta's verdict on the Content resource as the provider knows it now (`submitted_at`:
        when the approval was requested, for the console backend's pretend review)."""
        raise NotImplementedError


def get_backend(*, credentials: Credentials, backend: str | None = None) -> WhatsAppBackend:
    path = backend or settings.WHATSAPP_BACKEND
    return import_string(ALIASES.get(path, path))(credentials=credentials)
