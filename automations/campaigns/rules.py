"""Bulk campaign rules as pure functions: the campaign's state machine, the recipients' forward-only
states, which failures a retry may re-send, quiet hours. No database, no clock of their own.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

# --- Campaign states: draft → scheduled → running ⇄ paused → completed | stopped ---------------

DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED, STOPPED = (
    "draft",
    "scheduled",
    "running",
    "paused",
    "completed",
    "stopped",
)
EDITABLE_STATES = frozenset({DRAFT, SCHEDULED})

# action → (the states it may act on, the state it leaves the campaign in). `start` goes to
# `scheduled` instead when the campaign has a future `scheduled_at` (see `start_target`).
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({DRAFT, SCHEDULED}), RUNNING),
    "pause": (frozenset({RUNNING}), PAUSED),
    "resume": (frozenset({PAUSED}), RUNNING),
    "stop": (frozenset({DRAFT, SCHEDULED, RUNNING, PAUSED}), STOPPED),
    # Re-queues temporary failures; a completed campaign runs again until they are sent.
    "retry-failed": (frozenset({RUNNING, PAUSED, COMPLETED}), RUNNING),
}


def action_allowed(*, action: str, status: str) -> bool:
    allowed, _ = ACTIONS[action]
    return status in allowed


def start_target(*, scheduled_at: datetime | None, now: datetime) -> str:
    """`start` runs now, or waits for a future `scheduled_at`."""
    return SCHEDULED if scheduled_at is not None and scheduled_at > now else RUNNING


def action_target(*, action: str, status: str, scheduled_at: datetime | None, now: datetime) -> str:
    if action == "start":
        return start_target(scheduled_at=scheduled_at, now=now)
    if action == "retry-failed" and status == PAUSED:
        return PAUSED  # re-queued, and still paused until resumed
    return ACTIONS[action][1]


# --- Recipient states: only forward ----------------------------------------------------------------

R_EXCLUDED, R_QUEUED, R_SENDING, R_SENT, R_DELIVERED, R_READ, R_FAILED, R_NOT_SENT = (
    "excluded",
    "queued",
    "sending",
    "sent",
    "delivered",
    "read",
    "failed",
    "not_sent",
)
RECIPIENT_RANK = {R_QUEUED: 0, R_SENDING: 1, R_SENT: 2, R_DELIVERED: 3, R_READ: 4}
RECIPIENT_FINAL = frozenset({R_EXCLUDED, R_FAILED, R_NOT_SENT})
# The campaign reached them: Twilio accepted the message (`sent_at`; `sending` until its first
# callback) and it has not failed.
REACHED_STATES = (R_SENDING, R_SENT, R_DELIVERED, R_READ)


def recipient_moves_forward(*, current: str, new: str) -> bool:
    """queued → sending → sent → delivered → read; failed / not_sent end any live state; excluded,
    failed and not_sent are final. The one way back is `retry-failed` (a new attempt, counted in
    `attempts`), which is not a status move and is decided by `retryable`.
    """
    if current in RECIPIENT_FINAL:
        return False
    if new in (R_FAILED, R_NOT_SENT):
        return True
    if new not in RECIPIENT_RANK:
        return False
    return RECIPIENT_RANK[new] > RECIPIENT_RANK[current]


def states_before(state: str) -> list[str]:
    """The live states a recipient may leave for `state` (for conditional UPDATEs)."""
    if state in (R_FAILED, R_NOT_SENT):
        return list(RECIPIENT_RANK)
    return [s for s, rank in RECIPIENT_RANK.items() if rank < RECIPIENT_RANK[state]]


# --- Retry of failed recipients --------------------------------------------------------------------

# Permanent: the number is not on WhatsApp, could not be verified, blocked us, bad content or
# configuration. A retry would fail again (and hurt the sender's quality rating).
PERMANENT_ERRORS = frozenset(
    {
        "63001",
        "63003",
        "63005",
        "63013",
        "63016",
        "63020",
        "63021",
        "63022",
        "63024",
        "63027",
        "63028",
        "63030",
        "63032",
        "63033",
        "21211",
        "21408",
        "21610",
        "21614",
    }
)
LIMITED_BY_META = "63049"
LIMITED_BY_META_WAIT = timedelta(hours=24)


def retryable(*, error_code: str, failed_at: datetime | None, now: datetime) -> bool:
    """Temporary failures only: never a permanent one, never 63049 within 24 h of the failure.
    A failure without a code (a network error, Twilio 5xx/429) is temporary.
    """
    code = (error_code or "").strip()
    if code in PERMANENT_ERRORS:
        return False
    if code == LIMITED_BY_META:
        return failed_at is not None and now - failed_at >= LIMITED_BY_META_WAIT
    return True


# --- Replies and opt-outs after the campaign reached someone ---------------------------------------

REPLY_WINDOW = timedelta(hours=72)


# --- Quiet hours ------------------------------------------------------------------------------------


def in_quiet_hours(*, local: time, start: time | None, end: time | None) -> bool:
    """Whether a local wall-clock time falls in [start, end); the window may wrap past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(
    *, local_now: datetime, start: time | None, end: time | None
) -> datetime | None:
    """When sending may resume (an aware local datetime), or None outside quiet hours."""
    if not in_quiet_hours(local=local_now.timetz().replace(tzinfo=None), start=start, end=end):
        return None
    resume = local_now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if resume <= local_now:
        resume += timedelta(days=1)
    return resume
