"""Sending, the worker side: claim a queued message, send it through the provider, record
failures and what their error codes ask for (SPEC §6)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from gymsales.crypto import secret_decrypt
from gymsales.models import (
    NoteKind,
    Person,
)
from gymsales.tenancy import all_companies, company_scope
from whatsapp import errors as wa_errors
from whatsapp import rules
from whatsapp.models import (
    AuditAction,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    WhatsAppSettings,
)
from whatsapp.providers import (
    Credentials,
    OutboundMessage,
    ProviderError,
    get_backend,
)
from whatsapp.services import hooks
from whatsapp.services.audit import audit_automatic
from whatsapp.services.notes import note_create

logger = logging.getLogger(__name__)

MAX_TRANSIENT_ATTEMPTS = 5
HOLD_AFTER_RATE_LIMIT = timedelta(hours=24)


# --- Sending: the worker side -------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverOutcome:
    """What the task should do next: nothing (`retry_in` None) or run again after `retry_in` s."""

    state: str  # sent | held | throttled | retrying | failed | not_sent | unknown | skipped
    retry_in: float | None = None


@dataclass(frozen=True)
class _Claimed:
    """A message claimed for sending (queued → sending) with what the send needs."""

    pk: int
    company_id: int
    to_number: str
    body: str
    content_variables: dict
    template_edited: bool
    send_attempts: int
    content_sid: str  # the template's, "" without one
    enabled: bool
    suspended_reason: str
    sends_held_until: datetime | None
    max_messages_per_second: int
    account_sid: str
    auth_token: str
    sender_number: str
    messaging_service_sid: str
    person_id: int
    opted_out: bool  # the person's WhatsApp opt-out and mobile as they are now, at send time
    mobile_now: str
    retry_of_id: int | None  # an automatic retry (63010) of this message


def _claim_sql() -> str:
    message = Message._meta.db_table
    wa = WhatsAppSettings._meta.db_table
    person = Person._meta.db_table
    template = Message._meta.get_field("template").related_model._meta.db_table
    return (
        f"UPDATE {message} m SET status = %s, send_attempts = m.send_attempts + 1,"  # noqa: S608 (table names only)
        " updated_at = %s, claimed_at = %s"
        f" FROM {wa} s, {person} p WHERE m.id = %s AND m.status = %s"
        " AND (m.send_after IS NULL OR m.send_after <= %s)"
        " AND s.company_id = m.company_id AND p.id = m.person_id"
        " RETURNING m.id, m.company_id, m.to_number, m.body, m.content_variables,"
        " m.template_edited, m.send_attempts,"
        f" COALESCE((SELECT t.content_sid FROM {template} t WHERE t.id = m.template_id), ''),"
        " s.enabled, s.suspended_reason, s.sends_held_until, s.max_messages_per_second,"
        " s.twilio_account_sid, s.twilio_auth_token, s.sender_number, s.messaging_service_sid,"
        " p.id, p.whatsapp_opted_out, p.phone_mobile, m.retry_of_id"
    )


_CLAIM_SQL: str | None = None


def _claim(message_id: int, now: datetime) -> _Claimed | None:
    """Claim a queued, due message (conditional UPDATE: only one task ever gets it; the claim is a
    lease from `claimed_at`) and read, in the same statement, the message, its template's
    content_sid, the company's settings and the person's opt-out and mobile as they are now.
    """
    global _CLAIM_SQL
    if _CLAIM_SQL is None:
        _CLAIM_SQL = _claim_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM_SQL,
            [MessageStatus.SENDING, now, now, message_id, MessageStatus.QUEUED, now],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    if isinstance(values[4], str):  # jsonb comes back as text without a registered loader
        import json

        values[4] = json.loads(values[4])
    claimed = _Claimed(*values)
    # Raw SQL reads the column as stored: the token is encrypted at rest (gymsales.crypto).
    return replace(claimed, auth_token=secret_decrypt(claimed.auth_token))


def _park(message_id: int, now: datetime, *, wait: float, count_attempt: bool) -> None:
    """Put a claimed message back in the queue (the database row), due in `wait` seconds: the beat
    sweep releases it then. Nothing waits in the broker (a countdown longer than its visibility
    timeout would be redelivered again and again). A hold or throttle does not count an attempt.
    """
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED,
        send_after=now + timedelta(seconds=wait),
        enqueued_at=None,
        claimed_at=None,
        send_attempts=F("send_attempts") - (0 if count_attempt else 1),
        updated_at=now,
    )


def message_deliver(*, message_id: int) -> DeliverOutcome:
    """Send one queued message, at most once. Idempotent: a duplicate or retried task finds the
    message already claimed and does nothing. No transaction is open during the provider call.

    Two statements on the happy path: claim-and-read (a conditional UPDATE queued → sending
    RETURNING the message, its template's content_sid and the company's settings), then store
    the SID. A claim that may not send now (disabled, held, throttled) is settled or undone.
    """
    now = timezone.now()
    with all_companies():
        claimed = _claim(message_id, now)
    if claimed is None:
        return DeliverOutcome("skipped")
    with company_scope(claimed.company_id):
        not_now = _not_now(claimed, now)
        if not_now is not None:
            return not_now
        outbound = _outbound(claimed)
        backend = get_backend(credentials=_credentials(claimed))
        try:
            result = backend.send(outbound)
        except ProviderError as exc:
            message = Message(
                pk=message_id, company_id=claimed.company_id, send_attempts=claimed.send_attempts
            )
            return _delivery_failed(message=message, exc=exc)
        _sid_store(message_id, result.sid)
        backend.after_send(outbound, result)
        return DeliverOutcome("sent")


def _not_now(claimed: _Claimed, now: datetime) -> DeliverOutcome | None:
    """What keeps a claimed message from going now: a rule re-checked at send time, or for an
    automatic retry what it follows (hooks.send_check), settled as not_sent or parked; the
    company's hold or its throttle (parked, due later). None: send it."""
    refusal = rules.send_time_refusal(
        whatsapp_usable=claimed.enabled and not claimed.suspended_reason,
        opted_out=claimed.opted_out,
        mobile_now=claimed.mobile_now,
        mobile_queued=claimed.to_number,
    )
    if refusal is not None:
        message_not_sent_record(message_id=claimed.pk, refusal=refusal, now=now)
        return DeliverOutcome("not_sent")
    if claimed.retry_of_id is not None:  # an automatic retry: may what it follows still send?
        verdict = hooks.send_check(claimed.pk)
        if isinstance(verdict, rules.Refusal):
            message_not_sent_record(message_id=claimed.pk, refusal=verdict, now=now)
            return DeliverOutcome("not_sent")
        if verdict is not None:
            _park(claimed.pk, now, wait=verdict, count_attempt=False)
            return DeliverOutcome("held", retry_in=verdict)
    if claimed.sends_held_until and claimed.sends_held_until > now:
        wait = (claimed.sends_held_until - now).total_seconds() + 1
        _park(claimed.pk, now, wait=wait, count_attempt=False)
        return DeliverOutcome("held", retry_in=wait)
    from whatsapp.throttle import send_slot_wait

    wait = send_slot_wait(company_id=claimed.company_id, per_second=claimed.max_messages_per_second)
    if wait > 0:
        _park(claimed.pk, now, wait=wait, count_attempt=False)
        return DeliverOutcome("throttled", retry_in=wait)
    return None


def status_callback_url() -> str:
    """Where Twilio posts this message's statuses: PUBLIC_BASE_URL + the status webhook's path."""
    return django_settings.PUBLIC_BASE_URL + reverse("whatsapp-webhook-status")


def _outbound(claimed: _Claimed) -> OutboundMessage:
    """The approved template's content (with its variables), or the text of an edited one."""
    content = bool(claimed.content_sid and not claimed.template_edited)
    return OutboundMessage(
        message_id=claimed.pk,
        to=claimed.to_number,
        body="" if content else claimed.body,
        content_sid=claimed.content_sid if content else "",
        content_variables=claimed.content_variables if content else {},
        status_callback=status_callback_url(),
    )


def _credentials(claimed: _Claimed) -> Credentials:
    return Credentials(
        company_id=claimed.company_id,
        account_sid=claimed.account_sid,
        auth_token=claimed.auth_token,
        sender_number=claimed.sender_number,
        messaging_service_sid=claimed.messaging_service_sid,
    )


def _sid_store(message_id: int, sid: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Message._meta.db_table} SET sid = %s, updated_at = %s WHERE id = %s",  # noqa: S608 (table name only)
            [sid, timezone.now(), message_id],
        )


def message_not_sent_record(*, message_id: int, refusal: rules.Refusal, now: datetime) -> bool:
    """A claimed message that lost its right to go at send time (opted out meanwhile, no mobile,
    WhatsApp disabled or suspended): `not_sent` with the reason, and a note on the history.
    Returns False when the message was no longer being sent.
    """
    with transaction.atomic():
        updated = Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
            status=MessageStatus.NOT_SENT, error_message=refusal.message, updated_at=now
        )
        if not updated:
            return False
        message = Message.objects.select_related("person__company").get(pk=message_id)
        person = message.person
        note_create(
            person=person,
            company=person.company,
            kind=NoteKind.WHATSAPP_ERROR,
            text=f"WhatsApp message to {person.full_name} was not sent: {refusal.message}",
            message=message,
        )
        hooks.status_moved([message_id], MessageStatus.NOT_SENT, refusal.code)
    return True


def _delivery_failed(*, message: Message, exc: ProviderError) -> DeliverOutcome:
    if exc.unknown_outcome:
        # Twilio may have the message: never sent blindly again. It stays `sending` under its
        # claim; past the lease the sweep reconciles it (adopt Twilio's SID, or send again).
        logger.warning("message %s: outcome unknown (%s), to be reconciled", message.pk, exc)
        return DeliverOutcome("unknown")
    if exc.transient and message.send_attempts < MAX_TRANSIENT_ATTEMPTS:
        # Not sent (Twilio refused or we never reached it): back in the queue, retried with backoff.
        backoff = min(5 * 2 ** (message.send_attempts - 1), 300)
        _park(message.pk, timezone.now(), wait=backoff, count_attempt=True)
        logger.info("message %s: transient error %s, retry in %ss", message.pk, exc, backoff)
        return DeliverOutcome("retrying", retry_in=backoff)
    message_failure_record(
        message=message, code=exc.code, error_message=str(exc), status=MessageStatus.FAILED
    )
    return DeliverOutcome("failed")


def message_failure_record(
    *, message: Message, code: str, error_message: str, status: str = MessageStatus.FAILED
) -> bool:
    """A failed/undelivered message: final status, a whatsapp_error note (person history and
    newsfeed), and what its error code asks for (SPEC §6). Returns False if already final.
    """
    code = str(code or "")
    now = timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if not rules.status_moves_forward(current=locked.status, new=status):
            return False
        locked.status = status
        locked.error_code = code
        locked.error_message = error_message or ""
        locked.limited_by_meta = code == wa_errors.LIMITED_BY_META
        locked.save(
            update_fields=["status", "error_code", "error_message", "limited_by_meta", "updated_at"]
        )
        person = locked.person
        note_create(
            person=person,
            company=person.company,
            kind=NoteKind.WHATSAPP_ERROR,
            text=wa_errors.error_note_text(
                code=code,
                first_name=person.first_name,
                last_name=person.last_name,
                twilio_message=error_message,
            ),
            message=locked,
        )
        _apply_error_effects(message=locked, code=code, now=now)
        hooks.status_moved([locked.pk], status, code)
    return True


def _apply_error_effects(*, message: Message, code: str, now: datetime) -> None:
    if code in wa_errors.RETRY_ONCE_AFTER_SECONDS and message.retry_of_id is None:
        retry = _retry_once(
            message=message, after=wa_errors.RETRY_ONCE_AFTER_SECONDS[code], now=now
        )
        hooks.retry_queued(message.pk, retry.pk, code)
    elif code == wa_errors.HOLD_COMPANY_SENDS:
        _settings_changed_by_error(
            message=message,
            code=code,
            action=AuditAction.HELD,
            changes={"sends_held_until": now + HOLD_AFTER_RATE_LIMIT},
        )
    elif code == wa_errors.SUSPEND_COMPANY:
        _settings_changed_by_error(
            message=message,
            code=code,
            action=AuditAction.SUSPENDED,
            changes={
                "enabled": False,
                "suspended_at": now,
                "suspended_reason": (
                    "Twilio error 63020 (Business Manager account error): WhatsApp was suspended "
                    "until a platform admin re-enables it."
                ),
            },
        )
    elif code == wa_errors.SESSION_CLOSED:
        Conversation.objects.filter(
            company_id=message.company_id, person_id=message.person_id, session_expires_at__gt=now
        ).update(session_expires_at=now)


def _retry_once(*, message: Message, after: int, now: datetime) -> Message:
    """A copy of the failed message, queued and due `after` seconds from now (63010)."""
    return Message.objects.create(
        company_id=message.company_id,
        person_id=message.person_id,
        direction=Direction.OUTBOUND,
        body=message.body,
        template_id=message.template_id,
        content_variables=message.content_variables,
        status=MessageStatus.QUEUED,
        sent_by_id=message.sent_by_id,
        sale_type_id=message.sale_type_id,
        to_number=message.to_number,
        from_number=message.from_number,
        origin=message.origin,
        business_initiated=message.business_initiated,
        template_edited=message.template_edited,
        retry_of=message,
        # Due later: the beat sweep hands it to a worker then (no countdown in the broker).
        send_after=now + timedelta(seconds=after),
    )


def _settings_changed_by_error(*, message: Message, code: str, action: str, changes: dict) -> None:
    """A hold (63018) or suspension (63020): the settings change, and its audit row."""
    rows = WhatsAppSettings.objects.filter(company_id=message.company_id)
    before = rows.values(*changes).first() or {}
    rows.update(**changes)
    audit_automatic(
        company_id=message.company_id,
        action=action,
        before=before,
        after=changes,
        cause=f"Twilio error {code} on message {message.pk}",
    )
