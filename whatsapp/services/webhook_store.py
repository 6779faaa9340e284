"""Raw webhook storage: each Twilio callback stored once, durably, before we answer 200 —
through this process's group-commit writer (whatsapp.webhook_writer)."""

from __future__ import annotations

import os
import threading

from django.db import connection
from django.utils import timezone

from whatsapp.models import WebhookEvent
from whatsapp.providers.twilio import webhooks as twilio
from whatsapp.webhook_writer import GroupWriter

# --- Webhooks: store fast, process in a worker ----------------------------------------------------


def webhook_event_id(*, kind: str, params: dict) -> str:
    """The event's identity for store-once (StatusEvent.key / InboundEvent.key): it names the
    signing account, so an event signed by one account can never take the place of (and so
    suppress) the same event of another.
    """
    if kind == WebhookEvent.Kind.STATUS:
        return twilio.status_event(params).key
    return twilio.inbound_event(params).key


def webhook_event_row(*, kind: str, params: dict, company_id: int) -> tuple:
    """The stored form of one callback: (event_id, kind, company_id, payload JSON, received at)."""
    import json

    return (
        webhook_event_id(kind=kind, params=params),
        kind,
        company_id,
        json.dumps(params),
        timezone.now(),
    )


def webhook_events_store_many(rows: list[tuple]) -> list[str]:
    """Store webhook rows in ONE statement (atomic: all or none), committed on return in
    autocommit: each new event and its pending row (the drain's queue). Repeats (same provider +
    event_id, also within `rows`) are skipped. Returns the event_ids inserted now.
    """
    values = ", ".join(["(%s, %s, %s::bigint, %s::jsonb, %s::timestamptz)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH stored AS (INSERT INTO whatsapp_webhookevent (provider, event_id, kind,"  # noqa: S608 (only placeholders are formatted in)
            " company_id, payload, received_at, attempts, last_error)"
            " SELECT 'twilio', v.event_id, v.kind, v.company_id, v.payload, v.received_at, 0, ''"
            f" FROM (VALUES {values}) AS v (event_id, kind, company_id, payload, received_at)"
            " ON CONFLICT (provider, event_id) DO NOTHING RETURNING id, event_id, received_at),"
            " queued AS (INSERT INTO whatsapp_webhookeventpending (event_id, available_at)"
            " SELECT id, received_at FROM stored)"
            " SELECT event_id FROM stored",
            [value for row in rows for value in row],
        )
        return [row[0] for row in cursor.fetchall()]


def webhook_event_store(*, kind: str, params: dict, company_id: int) -> bool:
    """Store a webhook once, durably on return (committed). False when it was a repeat delivery.

    Outside a transaction the row goes through this process's group-commit writer
    (whatsapp.webhook_writer: concurrent requests share one INSERT and one commit); raises
    webhook_writer.StoreFailed if it could not be stored. Inside a transaction it is written
    there (durable when that commits).
    """
    row = webhook_event_row(kind=kind, params=params, company_id=company_id)
    if connection.in_atomic_block:
        return bool(webhook_events_store_many([row]))
    return group_writer().submit(row)


_writer: GroupWriter | None = None
_writer_pid: int | None = None
_writer_lock = threading.Lock()


def group_writer() -> GroupWriter:
    """This process's writer (started lazily, and again in a forked child)."""
    global _writer, _writer_pid
    pid = os.getpid()
    if _writer is None or _writer_pid != pid or not _writer.thread.is_alive():
        with _writer_lock:
            if _writer is None or _writer_pid != pid or not _writer.thread.is_alive():
                # Looked up at each start, so a test can stand in for the statement.
                _writer = GroupWriter(lambda rows: webhook_events_store_many(rows))
                _writer_pid = pid
    return _writer


def group_writer_stop() -> None:
    """Stop this process's writer and close its connection (tests, shutdown)."""
    global _writer
    with _writer_lock:
        if _writer is not None and _writer_pid == os.getpid():
            _writer.stop()
        _writer = None
