"""Celery tasks: take ids, are idempotent, call one service."""

from __future__ import annotations

from celery import shared_task

from whatsapp import services
from whatsapp.services.queue import CONSOLE_POST_STATUS, MESSAGE_DELIVER, WEBHOOK_EVENTS_DRAIN

DRAIN_FOLLOW_UP_SECONDS = 0.5


@shared_task(name=MESSAGE_DELIVER, ignore_result=True, bind=True)
def message_deliver_task(self, message_id: int) -> str:
    """Send one message; re-schedules itself when held, throttled or transiently failed.

    Run eagerly (tests, no worker) a hold or throttle is not waited for: it stays queued.
    """
    outcome = services.message_deliver(message_id=message_id)
    if outcome.retry_in is not None:
        if self.request.is_eager and outcome.state in ("held", "throttled"):
            return outcome.state
        message_deliver_task.apply_async(args=[message_id], countdown=outcome.retry_in)
    return outcome.state


@shared_task(name=WEBHOOK_EVENTS_DRAIN, ignore_result=True)
def webhook_events_drain_task(follow_up: bool = True) -> int:
    """Apply stored webhook events in batches until none are pending; then look once more shortly
    after, for events that arrived while the web side was not kicking (see whatsapp.webhooks).
    """
    total = 0
    while True:
        done = services.webhook_events_drain(limit=500)
        total += done
        if done < 500:
            break
    if total and follow_up:
        webhook_events_drain_task.apply_async(countdown=DRAIN_FOLLOW_UP_SECONDS)
    return total


@shared_task(name=CONSOLE_POST_STATUS, ignore_result=True)
def console_post_status_task(company_id: int, sid: str, status: str, error_code: str = "") -> int:
    """Console backend: post one Twilio-like signed status callback to our own webhook."""
    from whatsapp.simulate import post_status

    return post_status(company_id=company_id, sid=sid, status=status, error_code=error_code)
