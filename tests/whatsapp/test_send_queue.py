"""The send queue is the database row, through a real Celery worker on Redis + PostgreSQL:
opt-out re-checked when a queued message goes (issue 9 item 9), held sends parked in their rows and
released by the beat sweep instead of broker countdowns (item 13), and a Redis outage that neither
fails requests nor loses sends (item 12).
"""

from __future__ import annotations

import base64
import json
import socket
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from gymsales.models import Note, NoteKind
from tests.waits import wait_for
from tests.whatsapp.conftest import (
    SENDER,
    enable,
    inbound_params,
    make_due,
    open_session,
)
from whatsapp import services
from whatsapp.models import Message, MessageStatus
from whatsapp.providers import locmem

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def sweep_until(check, timeout: float = 60.0) -> bool:
    """What beat does every few seconds (hand due sends to the broker), until `check` holds."""

    def swept_and_checked():
        services.sends_sweep()
        return check()

    return wait_for(swept_and_checked, timeout=timeout, interval=0.3)


def test_opt_out_wins_over_messages_queued_behind_the_throttle(
    celery_worker, api, post_webhook, sales_user, person, company
):
    """Six free-text messages behind a 1 msg/s throttle; the person replies STOP meanwhile: none
    of the messages still queued reaches Twilio, each ends not_sent with a note saying why.
    """
    enable(company, max_messages_per_second=1)
    open_session(person)
    client = api(sales_user)
    url = f"/api/v1/people/{person.pk}/whatsapp/messages"
    ids = []
    for i in range(6):
        response = client.post(url, {"body": f"Offer {i}"}, format="json")
        assert response.status_code == 202
        ids.append(response.json()["id"])

    def all_sent_or_parked():
        rows = Message.objects.filter(pk__in=ids)
        return all(
            m.sid is not None or (m.status == MessageStatus.QUEUED and m.send_after is not None)
            for m in rows
        )

    # the worker sends what the throttle lets through and parks the rest in their rows
    assert wait_for(all_sent_or_parked, timeout=60)
    sent_before = {sent["message"].message_id for sent in locmem.outbox}
    parked = set(ids) - sent_before
    assert len(parked) >= 3

    assert post_webhook("inbound", inbound_params(person.phone_mobile, "STOP")).status_code == 200
    assert wait_for(lambda: person.__class__.objects.get(pk=person.pk).whatsapp_opted_out, 30)

    reason = "This person has opted out of WhatsApp messages."
    assert sweep_until(
        lambda: (
            set(
                Message.objects.filter(pk__in=parked, status=MessageStatus.NOT_SENT).values_list(
                    "pk", flat=True
                )
            )
            == parked
        )
    )
    assert {sent["message"].message_id for sent in locmem.outbox} == sent_before
    for message in Message.objects.filter(pk__in=parked):
        assert message.error_message == reason
        note = Note.objects.get(message_link__message=message, kind=NoteKind.WHATSAPP_ERROR)
        assert note.text == f"WhatsApp message to Jane Doe was not sent: {reason}"


def _broker_tasks(task_name: str) -> list[list]:
    """The args of every `task_name` task in the broker: waiting in the queue, or delivered to a
    worker and not acknowledged yet (kombu's `unacked` hash: where countdown tasks wait).
    """
    from gymsales.celery import app

    prefix = (app.conf.broker_transport_options or {}).get("global_keyprefix", "")
    client = redis.Redis.from_url(app.conf.broker_url)
    payloads = [json.loads(raw) for raw in client.lrange(f"{prefix}celery", 0, -1)]
    payloads += [json.loads(raw)[0] for raw in client.hvals(f"{prefix}unacked")]
    found = []
    for payload in payloads:
        if payload.get("headers", {}).get("task") == task_name:
            found.append(json.loads(base64.b64decode(payload["body"]))[0])
    return found


def test_a_held_send_waits_in_its_row_not_in_the_broker(
    celery_worker, person, sales_user, company, template
):
    """63018 holds a company's sends for 24 h: far beyond the broker's visibility timeout (1 h),
    after which a countdown task is delivered again, and again. The row is the queue instead.
    """
    enable(company, sends_held_until=timezone.now() + timezone.timedelta(hours=24))
    message = services.message_send(person=person, user=sales_user, template=template)

    def parked():
        row = Message.objects.get(pk=message.pk)
        return row.status == MessageStatus.QUEUED and row.send_after is not None

    assert wait_for(parked, timeout=30)
    row = Message.objects.get(pk=message.pk)
    assert row.send_after > timezone.now() + timezone.timedelta(hours=23)
    assert (row.enqueued_at, row.send_attempts) == (None, 0)
    # the worker took the task, parked the message and acknowledged it: nothing waits in Redis
    assert wait_for(
        lambda: [message.pk] not in _broker_tasks("whatsapp.message_deliver"), timeout=30
    )
    assert locmem.outbox == []

    # the hold ends: beat's sweep (run by the worker, as beat would schedule it) releases it
    enable(company, sends_held_until=None)
    make_due(message)
    from whatsapp.tasks import sends_sweep_task

    sends_sweep_task.delay()
    assert wait_for(lambda: Message.objects.get(pk=message.pk).sid is not None, timeout=30)
    assert [sent["message"].message_id for sent in locmem.outbox] == [message.pk]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is: connections are refused


@contextmanager
def redis_down(settings):
    """The web side's cache and broker pointed at a closed port (the worker keeps its own)."""
    from gymsales.celery import app

    down = f"redis://127.0.0.1:{_closed_port()}/0"
    cache = {**django_settings.CACHES["default"], "LOCATION": down}
    old_broker = app.conf.broker_url

    def use_broker(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    settings.CACHES = {"default": cache}
    use_broker(down)
    try:
        yield
    finally:
        use_broker(old_broker)


def test_redis_outage_reads_work_and_a_committed_send_is_swept_later(
    celery_worker, api, settings, sales_user, person, company, template
):
    enable(company)
    settings.API_AUTH_CACHE_SECONDS = 300  # the credentials cache is on, as in production
    client = api(sales_user)
    with redis_down(settings):
        people = client.get("/api/v1/people")
        assert people.status_code == 200
        assert people.json()["collection"][0]["id"] == person.pk
        response = client.post(
            f"/api/v1/people/{person.pk}/whatsapp/messages",
            {"template_id": template.pk},
            format="json",
        )
        # committed before the enqueue failed: 202 with the stored message, never a 500
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "queued"
        assert client.get(f"/api/v1/people/{person.pk}/whatsapp/messages").status_code == 200
    message = Message.objects.get(pk=body["id"])
    assert message.status == MessageStatus.QUEUED
    assert locmem.outbox == []

    # Redis is back: beat's sweep re-enqueues what was left queued past a short age
    settings.WHATSAPP_REQUEUE_AFTER_SECONDS = 0.5
    assert sweep_until(lambda: Message.objects.get(pk=message.pk).sid is not None)
    assert [sent["message"].message_id for sent in locmem.outbox] == [message.pk]
    assert locmem.outbox[0]["from"] == f"whatsapp:{SENDER}"


def test_redis_outage_a_lead_created_with_an_automation_answers_201(
    celery_worker, api, settings, sales_user, club, company, template
):
    """The lead's welcome automation cannot be enqueued: the lead is committed, the API answers
    201, and the run waits pending for beat's dispatch."""
    from automations.models import AutomationRun, RunState
    from tests.automations.conftest import make_item

    enable(company)
    make_item(company, template)
    with redis_down(settings):
        response = api(sales_user).post(
            "/api/v1/people",
            {"first_name": "Eve", "phone_mobile": "+14155550142", "club_id": club.pk},
            format="json",
        )
    assert response.status_code == 201, response.content
    run = AutomationRun.objects.get(person_id=response.json()["id"])
    assert run.state == RunState.PENDING
