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
from whatsapp.models import Message, WebhookEvent
from whatsapp.providers.events import StatusEvent
from whatsapp.providers.twilio import webhooks as twilio
from whatsapp.services import hooks
from whatsapp.services.delivery import message_failure_record
from whatsapp.services.inbound import inbound_record

logger = logging.getLogger(__name__)


class EventNotReady(Exception):
    """The event refers to something not recorded yet (a status before its send stored the sid)."""


_TAKE_SQL = (
    "SELECT id, kind, payload FROM whatsapp_webhookevent"
    " WHERE processed_at IS NULL AND available_at <= %s"
    " ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
)


def webhook_events_drain(*, limit: int = 500) -> int:
    """Apply pending webhook events in order, one transaction per batch. Returns how many were
    taken. Plain status moves (sent/delivered/read) of a batch are applied in a few statements
    (messages forward by rank, their campaign recipients with them, the events marked applied);
    failures and inbound messages one by one.

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
        done = [pk for pk in simple if pk not in not_ready]
        applied, retried = _apply_one_by_one(not_ready, others, now)
        _mark_applied([*done, *applied], retried)
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
) -> tuple[list[int], list[WebhookEvent]]:
    """Postpone the events whose message isn't known yet and apply the others, each in its own
    savepoint so a bad one can't block the rest. Returns (applied ids, events to retry)."""
    applied: list[int] = []
    retried: list[WebhookEvent] = []
    for event in WebhookEvent.objects.filter(pk__in=[*not_ready, *others]).order_by("id"):
        if event.pk in not_ready:
            _postpone(event, EventNotReady("no message with this sid yet"), now)
            retried.append(event)
            continue
        try:
            with transaction.atomic():
                webhook_event_apply(event=event)
        except EventNotReady as exc:
            _postpone(event, exc, now)
            retried.append(event)
            continue
        except Exception as exc:  # a bad event must not block the others
            logger.exception("webhook event %s failed", event.pk)
            _back_off(event, exc, now)
            retried.append(event)
            continue
        applied.append(event.pk)
    return applied, retried


def _back_off(event: WebhookEvent, exc: Exception, now: datetime) -> None:
    """An event that failed: try again later, and give up after 10 attempts."""
    event.attempts += 1
    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    event.available_at = now + timedelta(seconds=min(2**event.attempts, 3600))
    if event.attempts >= 10:
        event.processed_at = timezone.now()


def _mark_applied(done: list[int], retried: list[WebhookEvent]) -> None:
    """The applied events in one statement; postponed or failing ones (few) keep their own
    attempts, error and next time."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE whatsapp_webhookevent SET processed_at = %s, last_error = ''"
            " WHERE id = ANY(%s)",
            [timezone.now(), done],
        )
    for event in retried:
        WebhookEvent.objects.filter(pk=event.pk).update(
            processed_at=event.processed_at,
            attempts=event.attempts,
            last_error=event.last_error,
            available_at=event.available_at,
        )


def _postpone(event: WebhookEvent, exc: Exception, now: datetime) -> None:
    event.attempts += 1
    event.last_error = str(exc)
    if event.attempts >= 8:
        event.processed_at = timezone.now()  # give up: not ours, or lost
    else:
        event.available_at = now + timedelta(seconds=2**event.attempts)


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
