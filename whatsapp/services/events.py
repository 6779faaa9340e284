"""Applying stored webhook events in a worker: status callbacks move messages forward or record
their failure; inbound messages are recorded (whatsapp.services.inbound)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from gymsales.tenancy import all_companies, company_scope
from whatsapp import rules
from whatsapp.models import (
    Message,
    WebhookEvent,
)
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
        simple = {event for event in events if _is_simple_status(event)}
        not_ready = _apply_simple_statuses(list(simple))
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


def _is_simple_status(event: WebhookEvent) -> bool:
    status = (event.payload.get("MessageStatus") or event.payload.get("SmsStatus") or "").lower()
    return event.kind == WebhookEvent.Kind.STATUS and status in rules.STATUS_RANK


def _apply_simple_statuses(events: list[WebhookEvent]) -> set:
    """Move messages forward for a batch of sent/delivered/read callbacks; returns the events
    whose message is not known yet.
    """
    if not events:
        return set()
    sid_of = {
        event: event.payload.get("MessageSid") or event.payload.get("SmsSid") for event in events
    }
    known = {
        sid: (pk, account)
        for sid, pk, account in Message.objects.filter(sid__in=set(sid_of.values())).values_list(
            "sid", "pk", "company__whatsapp__twilio_account_sid"
        )
    }
    best: dict[int, str] = {}
    for event, sid in sid_of.items():
        pk, account = known.get(sid, (None, None))
        if pk is None or account != event.payload.get("AccountSid"):
            continue  # not known yet (returned below), or another account's: changes nothing
        status = (event.payload.get("MessageStatus") or event.payload.get("SmsStatus")).lower()
        if pk not in best or rules.STATUS_RANK[status] > rules.STATUS_RANK[best[pk]]:
            best[pk] = status
    by_status: dict[str, list[int]] = {}
    for pk, status in best.items():
        by_status.setdefault(status, []).append(pk)
    now = timezone.now()
    for status, pks in by_status.items():
        lower = [s for s, rank in rules.STATUS_RANK.items() if rank < rules.STATUS_RANK[status]]
        # Conditional: never moves a message back, never touches a failed one.
        Message.objects.filter(pk__in=pks, status__in=lower).update(status=status, updated_at=now)
        hooks.status_moved(pks, status)
    return {event for event, sid in sid_of.items() if sid not in known}


def webhook_event_apply(*, event: WebhookEvent) -> None:
    if event.kind == WebhookEvent.Kind.STATUS:
        message_status_apply(params=event.payload)
    else:
        inbound_record(params=event.payload, received_at=event.received_at)


def message_status_apply(*, params: dict) -> None:
    """A status callback: move the message forward; failures become notes (SPEC §5, §6)."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    found = (
        Message.objects.filter(sid=sid)
        .values_list("pk", "company_id", "company__whatsapp__twilio_account_sid")
        .first()
    )
    if found is None:
        raise EventNotReady(f"no message with sid {sid} yet")
    pk, company_id, account_sid = found
    if account_sid != params.get("AccountSid"):
        logger.warning("status callback for %s from another Twilio account ignored", sid)
        return
    message = Message(pk=pk, company_id=company_id)
    with company_scope(company_id):
        if status in ("failed", "undelivered"):
            message_failure_record(
                message=message,
                code=params.get("ErrorCode") or "",
                error_message=params.get("ErrorMessage") or "",
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
