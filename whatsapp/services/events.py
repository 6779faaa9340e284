"""Applying stored webhook events in a worker: status callbacks move messages forward or record
their failure; inbound messages are recorded (whatsapp.services.inbound)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
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


def webhook_events_drain(*, limit: int = 500) -> int:
    """Apply pending webhook events in order, one transaction per batch. Returns how many were
    taken. Plain status moves (sent/delivered/read) of a batch are applied in a few bulk UPDATEs;
    failures and inbound messages one by one.
    """
    now = timezone.now()
    with all_companies(), transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True, available_at__lte=now)
            .order_by("id")[:limit]
        )
        if not events:
            return 0
        statuses = {
            event: twilio.status_event(event.payload)
            for event in events
            if event.kind == WebhookEvent.Kind.STATUS
        }
        simple = {event: s for event, s in statuses.items() if s.status in rules.STATUS_RANK}
        not_ready = _apply_simple_statuses(simple)
        for event in events:
            if event in not_ready:
                _postpone(event, EventNotReady("no message with this sid yet"), now)
                continue
            if event not in simple:
                try:
                    with transaction.atomic():
                        webhook_event_apply(event=event)
                except EventNotReady as exc:
                    _postpone(event, exc, now)
                    continue
                except Exception as exc:  # a bad event must not block the others
                    logger.exception("webhook event %s failed", event.pk)
                    event.attempts += 1
                    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    event.available_at = now + timedelta(seconds=min(2**event.attempts, 3600))
                    if event.attempts >= 10:
                        event.processed_at = timezone.now()
                    continue
            event.processed_at = timezone.now()
            event.last_error = ""
        WebhookEvent.objects.bulk_update(
            events, ["processed_at", "attempts", "last_error", "available_at"]
        )
    return len(events)


def _postpone(event: WebhookEvent, exc: Exception, now: datetime) -> None:
    event.attempts += 1
    event.last_error = str(exc)
    if event.attempts >= 8:
        event.processed_at = timezone.now()  # give up: not ours, or lost
    else:
        event.available_at = now + timedelta(seconds=2**event.attempts)


def _apply_simple_statuses(events: dict[WebhookEvent, StatusEvent]) -> set:
    """Move messages forward for a batch of sent/delivered/read callbacks; returns the events
    whose message is not known yet.
    """
    if not events:
        return set()
    known = {
        sid: (pk, account)
        for sid, pk, account in Message.objects.filter(
            sid__in={status.sid for status in events.values()}
        ).values_list("sid", "pk", "company__whatsapp__twilio_account_sid")
    }
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
        # Conditional: never moves a message back, never touches a failed one.
        Message.objects.filter(pk__in=pks, status__in=lower).update(status=status, updated_at=now)
        hooks.status_moved(pks, status)
    return {event for event, status in events.items() if status.sid not in known}


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
