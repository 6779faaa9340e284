"""whatsapp 0009 moves "not applied yet" from the event row (processed_at NULL, available_at) to
a pending row of its own; unapplied, it marks the others processed again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("whatsapp", "0008_message_fewer_indexes")]
AFTER = [("whatsapp", "0009_webhook_event_pending")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_unapplied_events_become_pending_and_back():
    apps = _migrate(BEFORE)
    Event = apps.get_model("whatsapp", "WebhookEvent")
    now = timezone.now()
    later = now + timedelta(minutes=5)
    applied = Event.objects.create(
        event_id="status:a", kind="status", payload={}, received_at=now, processed_at=now
    )
    waiting = Event.objects.create(
        event_id="status:b", kind="status", payload={}, received_at=now, available_at=later
    )
    try:
        apps = _migrate(AFTER)
        pending = apps.get_model("whatsapp", "WebhookEventPending").objects
        assert list(pending.values_list("event_id", "available_at")) == [(waiting.pk, later)]

        apps = _migrate(BEFORE)
        back = apps.get_model("whatsapp", "WebhookEvent").objects.order_by("pk")
        assert list(back.values_list("pk", "processed_at")) == [
            (applied.pk, now),
            (waiting.pk, None),
        ]
        assert back.get(pk=waiting.pk).available_at == later
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
