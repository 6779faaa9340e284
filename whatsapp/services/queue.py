"""Enqueueing Celery tasks by name, so the services never import the task module (which calls
them): `whatsapp.tasks` is the only place that defines the tasks, and it is imported at start-up
(`whatsapp.apps`), so an enqueue here runs eagerly wherever `CELERY_TASK_ALWAYS_EAGER` asks for it.
"""

from __future__ import annotations

from celery import signature

from whatsapp.providers.console import POST_STATUS_TASK

MESSAGE_DELIVER = "whatsapp.message_deliver"
MESSAGE_RECONCILE = "whatsapp.message_reconcile"
SENDS_SWEEP = "whatsapp.sends_sweep"
WEBHOOK_EVENTS_DRAIN = "whatsapp.webhook_events_drain"
CONSOLE_POST_STATUS = POST_STATUS_TASK  # the console backend enqueues it itself


def enqueue(task: str, *args, countdown: float | None = None) -> None:
    """Run `task(*args)` in a worker (after `countdown` seconds)."""
    signature(task, args=args).apply_async(countdown=countdown or None)
