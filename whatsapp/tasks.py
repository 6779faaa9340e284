"""Celery tasks: take ids, are idempotent, call one service."""

from __future__ import annotations

from celery import shared_task

from whatsapp import services
from whatsapp.services.queue import (
    CONSOLE_POST_STATUS,
    MESSAGE_DELIVER,
    MESSAGE_RECONCILE,
    SENDS_SWEEP,
    WEBHOOK_EVENTS_DRAIN,
)

DRAIN_FOLLOW_UP_SECONDS = 0.5


@shared_task(name=MESSAGE_DELIVER, ignore_result=True)
def message_deliver_task(message_id: int) -> str:
    """Send one message. Held, throttled or backing off, it goes back to the queue (its database
    row, due later) and `sends_sweep_task` hands it over again when due: no countdown in the broker.
    """
    return services.message_deliver(message_id=message_id).state


@shared_task(name=MESSAGE_RECONCILE, ignore_result=True)
def message_reconcile_task(message_id: int) -> str:
    """A claim past its lease: adopt the provider's SID or send again (services.message_reconcile)."""
    return services.message_reconcile(message_id=message_id)


@shared_task(name=SENDS_SWEEP, ignore_result=True)
def sends_sweep_task() -> int:
    """Beat: release due and lost queued messages, reconcile expired claims."""
    due, stale = services.sends_sweep()
    return len(due) + len(stale)


@shared_task(name=WEBHOOK_EVENTS_DRAIN, ignore_result=True)
def webhook_events_drain_task(follow_up: bool = True) -> int:
    """Apply stored webhook events in batches until none are pending. A kicked drain looks once
    more shortly after, for the events stored while the web side was not kicking (a web process
    kicks at most every KICK_INTERVAL_SECONDS, less than DRAIN_FOLLOW_UP_SECONDS: whatever it
    stored unkicked is there by then). That second look asks for no third: under a steady stream
    every look finds something, and looks that chained would multiply (each kick starting a chain
    that never ends) into many drains of a few events each.
    """
    total = 0
    while True:
        done = services.webhook_events_drain(limit=500)
        total += done
        if done < 500:
            break
    if follow_up:
        webhook_events_drain_task.apply_async(
            kwargs={"follow_up": False}, countdown=DRAIN_FOLLOW_UP_SECONDS
        )
    return total


@shared_task(name=CONSOLE_POST_STATUS, ignore_result=True)
def console_post_status_task(company_id: int, sid: str, status: str, error_code: str = "") -> int:
    """Console backend: post one Twilio-like signed status callback to our own webhook."""
    from whatsapp.simulate import post_status

    return post_status(company_id=company_id, sid=sid, status=status, error_code=error_code)
