"""What a provider's webhooks tell us, in our own words: `StatusEvent` (a message's status moved)
and `InboundEvent` (someone wrote to one of our senders).

The provider's adapter translates its webhook parameters into these (Twilio:
`whatsapp.providers.twilio.webhooks`); the services only ever see these types. The locmem and
console backends and the tests may build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """A status callback for one message we sent."""

    account: str  # the provider account that signed the callback
    sid: str  # the message's SID at the provider
    status: str  # lowercase: queued, sent, delivered, read, failed, undelivered, ...
    error_code: str = ""
    error_message: str = ""

    @property
    def key(self) -> str:
        """The event's identity for store-once. It names the signing account, so an event signed
        by one account can never take the place of (and so suppress) the same event of another.
        """
        return f"status:{self.account}:{self.sid}:{self.status}:{self.error_code}"[:128]


@dataclass(frozen=True, slots=True)
class MediaItem:
    url: str  # as the provider gave it: not checked yet (see providers.media.media_url_kept)
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """An inbound WhatsApp message to one of our senders."""

    account: str  # the provider account that signed the request
    sid: str
    to_number: str  # our sender, E.164 (no `whatsapp:` prefix)
    from_number: str  # the writer's number as given, without the `whatsapp:` prefix
    body: str = ""
    profile_name: str = ""  # the writer's WhatsApp profile name
    button_payload: str = ""  # a quick-reply button's payload (else its text)
    button_text: str = ""
    media: tuple[MediaItem, ...] = ()
    # A click-to-WhatsApp ad's fields as the provider names them (kept on the message as they
    # came); empty when the message did not come from an ad. Opens a 72 h session.
    referral: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> str:
        """The event's identity for store-once (see StatusEvent.key)."""
        return f"inbound:{self.account}:{self.sid}"[:128]
