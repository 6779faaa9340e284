"""Applying stored webhook events in a worker: status callbacks move messages forward or record
their failure; inbound messages are recorded (whatsapp.services.inbound)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from gymsales.tenancy import all_companies, company_scope
from whatsapp import rules
from whatsapp.models import Message, WebhookEvent, WebhookEventPending
from whatsapp.providers.events import StatusEvent
from whatsapp.providers.twilio import webhooks as twilio
from whatsapp.services import hooks
from whatsapp.services.delivery import message_failure_record
from whatsapp.services.inbound import inbound_record

logger = logging.getLogger(__name__)


class EventNotReady(Exception):
    """The event refers to something not recorded yet (a status before its send stored the sid)."""


# The batch: its pending rows deleted (they come back only for the events postponed or failing),
# the events read. One statement; rolled back with the batch if applying it fails.
_TAKE_SQL = (
    "WITH taken AS (DELETE FROM whatsapp_webhookeventpending WHERE event_id IN ("
    " SELECT event_id FROM whatsapp_webhookeventpending WHERE available_at <= %s"
    " ORDER BY event_id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING event_id)"
    " SELECT e.id, e.kind, e.payload FROM taken"
    " JOIN whatsapp_webhookevent e ON e.id = taken.event_id ORDER BY e.id"
)


def webhook_events_drain(*, limit: int = 500) -> int:
    """Apply pending webhook events in order, one transaction per batch. Returns how many were
    taken. Plain status moves (sent/delivered/read) of a batch are applied in a few statements
    (messages forward by rank, their campaign recipients with them); failures and inbound
    messages one by one. Taking the batch deletes its pending rows: an applied event is written
    no more (it was stored once); a postponed or failing one gets its pending row back, due later.

    Each statement takes its ids as ONE array parameter (`= ANY(%s)`): a batch costs the same few
    statements whatever its size, and no per-row SQL is built in Python.
    """
    now = timezone.now()
    with all_companies(), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_TAKE_SQL, [now, limit])
            rows = cursor.fetchall()
        if not rows:
            return 0
        simple, others = _split_simple_statuses(rows)
        not_ready = _apply_simple_statuses(simple)
        _retry_later(_apply_one_by_one(not_ready, others, now))
    return len(rows)


def _split_simple_statuses(rows) -> tuple[dict[int, StatusEvent], list[int]]:
    """The batch's plain status moves (sent/delivered/read: event id → status), applied together;
    and the ids of every other event (failures, inbound messages), applied one by one."""
    simple: dict[int, StatusEvent] = {}
    others: list[int] = []
    for pk, kind, payload in rows:
        if kind == WebhookEvent.Kind.STATUS:
            status = twilio.status_event(json.loads(payload))
            if status.status in rules.STATUS_RANK:
                simple[pk] = status
                continue
        others.append(pk)
    return simple, others


def _apply_one_by_one(
    not_ready: set[int], others: list[int], now: datetime
) -> list[tuple[WebhookEvent, datetime | None]]:
    """Postpone the events whose message isn't known yet and apply the others, each in its own
    savepoint so a bad one can't block the rest. Returns the events to try again, each with when
    (None: given up)."""
    retried: list[tuple[WebhookEvent, datetime | None]] = []
    for event in WebhookEvent.objects.filter(pk__in=[*not_ready, *others]).order_by("id"):
        if event.pk in not_ready:
            retried.append(
                (event, _postpone(event, EventNotReady("no message with this sid yet"), now))
            )
            continue
        try:
            with transaction.atomic():
                webhook_event_apply(event=event)
        except EventNotReady as exc:
            retried.append((event, _postpone(event, exc, now)))
        except Exception as exc:  # a bad event must not block the others
            logger.exception("webhook event %s failed", event.pk)
            retried.append((event, _back_off(event, exc, now)))
    return retried


def _back_off(event: WebhookEvent, exc: Exception, now: datetime) -> datetime | None:
    """An event that failed: try again later, and give up after 10 attempts."""
    event.attempts += 1
    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if event.attempts >= 10:
        return None
    return now + timedelta(seconds=min(2**event.attempts, 3600))


def _postpone(event: WebhookEvent, exc: Exception, now: datetime) -> datetime | None:
    """An event whose message isn't known yet: again soon, and give up after 8 attempts (not
    ours, or lost)."""
    event.attempts += 1
    event.last_error = str(exc)
    if event.attempts >= 8:
        return None
    return now + timedelta(seconds=2**event.attempts)


def _retry_later(retried: list[tuple[WebhookEvent, datetime | None]]) -> None:
    """The postponed or failing events (few) keep their attempts and error, and are pending
    again from their next time; those given up stay as they are, with their last error."""
    for event, _ in retried:
        WebhookEvent.objects.filter(pk=event.pk).update(
            attempts=event.attempts, last_error=event.last_error
        )
    WebhookEventPending.objects.bulk_create(
        [
            WebhookEventPending(event_id=event.pk, available_at=available_at)
            for event, available_at in retried
            if available_at is not None
        ]
    )


_KNOWN_SQL = (
    "SELECT m.sid, m.id, s.twilio_account_sid FROM whatsapp_message m"
    " JOIN whatsapp_whatsappsettings s ON s.company_id = m.company_id"
    " WHERE m.sid = ANY(%s)"
)
_FORWARD_SQL = (
    "UPDATE whatsapp_message SET status = %s, updated_at = %s"
    " WHERE id = ANY(%s) AND status = ANY(%s) RETURNING id"
)


def _apply_simple_statuses(events: dict[int, StatusEvent]) -> set[int]:
    """Move messages forward for a batch of sent/delivered/read callbacks (event id → status);
    returns the ids of the events whose message is not known yet (postponed and retried).

    A callback only acts on a message of the account that signed it; a message only moves to a
    higher rank (never back, never out of failed); per message only the batch's highest status
    is applied, and the hooks hear of the messages that actually moved.
    """
    if not events:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_KNOWN_SQL, [list({status.sid for status in events.values()})])
        known = {sid: (pk, account) for sid, pk, account in cursor.fetchall()}
    best: dict[int, str] = {}
    for status in events.values():
        pk, account = known.get(status.sid, (None, None))
        if pk is None or account != status.account:
            continue  # not known yet (returned below), or another account's: changes nothing
        if pk not in best or rules.STATUS_RANK[status.status] > rules.STATUS_RANK[best[pk]]:
            best[pk] = status.status
    by_status: dict[str, list[int]] = {}
    for pk, status in best.items():
        by_status.setdefault(status, []).append(pk)
    now = timezone.now()
    for status, pks in by_status.items():
        lower = [s for s, rank in rules.STATUS_RANK.items() if rank < rules.STATUS_RANK[status]]
        with connection.cursor() as cursor:
            cursor.execute(_FORWARD_SQL, [status, now, pks, lower])
            moved = [row[0] for row in cursor.fetchall()]
        if moved:
            hooks.status_moved(moved, status)
    return {pk for pk, status in events.items() if status.sid not in known}


def webhook_event_apply(*, event: WebhookEvent) -> None:
    """One stored webhook, read through the provider's translation."""
    if event.kind == WebhookEvent.Kind.STATUS:
        message_status_apply(event=twilio.status_event(event.payload))
    else:
        inbound_record(event=twilio.inbound_event(event.payload), received_at=event.received_at)


def message_status_apply(*, event: StatusEvent) -> None:
    """A status callback: move the message forward; failures become notes (SPEC §5, §6)."""
    sid, status = event.sid, event.status
    found = (
        Message.objects.filter(sid=sid)
        .values_list("pk", "company_id", "company__whatsapp__twilio_account_sid")
        .first()
    )
    if found is None:
        raise EventNotReady(f"no message with sid {sid} yet")
    pk, company_id, account_sid = found
    if account_sid != event.account:
        logger.warning("status callback for %s from another Twilio account ignored", sid)
        return
    message = Message(pk=pk, company_id=company_id)
    with company_scope(company_id):
        if status in ("failed", "undelivered"):
            message_failure_record(
                message=message,
                code=event.error_code,
                error_message=event.error_message,
                status=status,
            )
            return
        if status not in rules.STATUS_RANK:
            return
        forward = [s for s, rank in rules.STATUS_RANK.items() if rank < rules.STATUS_RANK[status]]
        Message.objects.filter(pk=message.pk, status__in=forward).update(
            status=status, updated_at=timezone.now()
        )
        hooks.status_moved([message.pk], status)
