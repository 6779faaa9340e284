"""Meta's WhatsApp rules (SPEC §3) as pure functions: no database, no clock of their own.

Services gather the facts (`SendFacts`) and ask `send_refusal`; the session and status rules are
here too so the whole policy is read, and table-tested, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BODY_LENGTH = 1024
SESSION_LENGTH = timedelta(hours=24)
REFERRAL_SESSION_LENGTH = timedelta(hours=72)
MARKETING_PER_DAY_WITHOUT_REPLY = 2
MARKETING_WINDOW = timedelta(hours=24)
MESSAGING_LIMIT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


@dataclass(frozen=True)
class SendFacts:
    """Everything the send rules look at, for one message to one person."""

    whatsapp_usable: bool  # enabled and not suspended
    opted_out: bool
    has_mobile: bool
    is_template: bool
    template_sendable: bool = False
    template_marketing: bool = False
    edited: bool = False  # a template whose text was changed before sending
    text_length: int = 0
    session_active: bool = False
    marketing_since_reply: int = (
        0  # marketing templates to this person in 24 h since their last reply
    )
    people_reached_24h: int = 0  # unique people reached business-initiated in a rolling 24 h
    person_already_reached: bool = False
    messaging_limit: int | None = None  # None: unlimited


def template_edited(*, body: str | None, rendered_text: str) -> bool:
    """Staff changed a template's text before sending (it then goes as free text: inside a session
    only). A blank body is no edit."""
    return bool(body and body.strip()) and body.strip() != rendered_text.strip()


def is_business_initiated(*, is_template: bool, session_active: bool) -> bool:
    """A template outside a session opens a business-initiated conversation (counts to the limit)."""
    return is_template and not session_active


def _recipient_refusal(
    *, whatsapp_usable: bool, opted_out: bool, has_mobile: bool
) -> Refusal | None:
    """The rules checked both when a message is requested and again when it is sent."""
    if not whatsapp_usable:
        return Refusal("whatsapp_disabled", "WhatsApp is not enabled for this company.")
    if opted_out:
        return Refusal("opted_out", "This person has opted out of WhatsApp messages.")
    if not has_mobile:
        return Refusal(
            "no_mobile", "This person has no valid mobile number to send WhatsApp messages to."
        )
    return None


def send_time_refusal(
    *, whatsapp_usable: bool, opted_out: bool, mobile_now: str, mobile_queued: str
) -> Refusal | None:
    """Re-checked when a queued message is about to go (opt-out always wins): WhatsApp still
    usable, the person not opted out meanwhile, and still reachable at the number it was queued for.
    """
    refusal = _recipient_refusal(
        whatsapp_usable=whatsapp_usable, opted_out=opted_out, has_mobile=bool(mobile_now)
    )
    if refusal is None and mobile_queued and mobile_now != mobile_queued:
        return Refusal(
            "mobile_changed",
            "This person's mobile number changed after the message was queued.",
        )
    return refusal


def send_refusal(facts: SendFacts) -> Refusal | None:
    """The first rule this message breaks, or None when it may be sent."""
    return (
        _recipient_refusal(
            whatsapp_usable=facts.whatsapp_usable,
            opted_out=facts.opted_out,
            has_mobile=facts.has_mobile,
        )
        or _content_refusal(facts)
        or _session_refusal(facts)
        or _limit_refusal(facts)
    )


def _content_refusal(facts: SendFacts) -> Refusal | None:
    """An approved template; text within WhatsApp's length, and not empty."""
    if facts.is_template and not facts.template_sendable:
        return Refusal(
            "template_not_approved",
            "This template is not approved for WhatsApp yet; only approved templates can be sent.",
        )
    if facts.text_length > MAX_BODY_LENGTH:
        return Refusal(
            "too_long",
            f"A WhatsApp message can be at most {MAX_BODY_LENGTH} characters "
            f"(this one has {facts.text_length}).",
        )
    if facts.text_length == 0:
        return Refusal("empty", "The message is empty.")
    return None


def _session_refusal(facts: SendFacts) -> Refusal | None:
    """Outside a session only an unedited approved template may open the conversation."""
    if not facts.session_active and (not facts.is_template or facts.edited):
        return Refusal(
            "session_inactive",
            "No active WhatsApp session with this person: only an approved template, unedited, "
            "can be sent until they reply.",
        )
    return None


def _limit_refusal(facts: SendFacts) -> Refusal | None:
    """Meta's marketing limit per person, and the company's messaging limit (unique people)."""
    if (
        facts.is_template
        and facts.template_marketing
        and facts.marketing_since_reply >= MARKETING_PER_DAY_WITHOUT_REPLY
    ):
        return Refusal(
            "marketing_limit",
            "This person has already received two marketing templates in the last 24 hours "
            "without replying; Meta would refuse a third.",
        )
    if (
        is_business_initiated(is_template=facts.is_template, session_active=facts.session_active)
        and facts.messaging_limit is not None
        and not facts.person_already_reached
        and facts.people_reached_24h >= facts.messaging_limit
    ):
        return Refusal(
            "limit_reached",
            f"The company's WhatsApp messaging limit ({facts.messaging_limit} people in 24 hours) "
            "has been reached; the message was not sent.",
        )
    return None


# --- Sessions (customer service window) -----------------------------------------------------


def session_expiry_after_inbound(
    *, current_expires_at: datetime | None, received_at: datetime, referral: bool
) -> datetime:
    """An inbound message (re)starts 24 h; one from a free entry point (referral) opens 72 h.

    A window already open longer (a referral's 72 h) is never shortened by a later reply.
    """
    new = received_at + (REFERRAL_SESSION_LENGTH if referral else SESSION_LENGTH)
    if current_expires_at is not None and current_expires_at > new:
        return current_expires_at
    return new


def session_is_active(*, expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at > now


# --- Status order ---------------------------------------------------------------------------

STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
}
FINAL_STATUSES = {"failed", "undelivered", "not_sent", "canceled"}


def status_moves_forward(*, current: str, new: str) -> bool:
    """Statuses only move forward; failed / undelivered are final (and may end any live state)."""
    if current in FINAL_STATUSES:
        return False
    if new in FINAL_STATUSES:
        return True
    if new not in STATUS_RANK or current not in STATUS_RANK:
        return False
    return STATUS_RANK[new] > STATUS_RANK[current]


# --- Inbound keywords -----------------------------------------------------------------------


def opt_keyword(body: str) -> str | None:
    """'stop' / 'start' for the STOP and START keywords (case-insensitive, trimmed), else None."""
    word = (body or "").strip().upper()
    if word == "STOP":
        return "stop"
    if word == "START":
        return "start"
    return None
