"""Group commit of webhook events: one INSERT for the requests of a batch, 200 only once committed."""

import threading

import pytest
from django.db import OperationalError

from tests.whatsapp.conftest import ACCOUNT_SID, status_params
from whatsapp import services, webhook_writer
from whatsapp.models import WebhookEvent
from whatsapp.services import webhook_store
from whatsapp.webhook_writer import GroupWriter, Pending

pytestmark = pytest.mark.django_db(transaction=True)
SID = "SM" + "a" * 32


@pytest.fixture(autouse=True)
def _fresh_writer():
    webhook_store.group_writer_stop()
    yield
    webhook_store.group_writer_stop()


def row(company_id, sid, status="delivered"):
    return services.webhook_event_row(
        kind="status", params=status_params(sid, status), company_id=company_id
    )


def write_batch(rows, store_many=services.webhook_events_store_many):
    writer = GroupWriter(store_many)
    batch = [Pending(r) for r in rows]
    writer._write(batch)
    writer.stop()
    return batch


def test_batch_stores_each_event_once_and_reports_repeats(company):
    services.webhook_events_store_many([row(company.pk, SID, "sent")])
    batch = write_batch(
        [
            row(company.pk, SID, "delivered"),
            row(company.pk, SID, "sent"),  # stored by an earlier delivery
            row(company.pk, SID, "delivered"),  # repeated inside the batch
            row(company.pk, SID, "read"),
        ]
    )
    assert [(p.inserted, p.error) for p in batch] == [
        (True, None),
        (False, None),
        (False, None),
        (True, None),
    ]
    assert all(p.done.is_set() for p in batch)
    assert sorted(WebhookEvent.objects.values_list("event_id", flat=True)) == [
        f"status:{ACCOUNT_SID}:{SID}:delivered:",
        f"status:{ACCOUNT_SID}:{SID}:read:",
        f"status:{ACCOUNT_SID}:{SID}:sent:",
    ]


def test_failed_batch_reports_every_request_and_stores_nothing(company):
    def broken(rows):
        raise OperationalError("server closed the connection")

    batch = write_batch([row(company.pk, SID, "sent"), row(company.pk, SID, "read")], broken)
    assert all(isinstance(p.error, OperationalError) and p.done.is_set() for p in batch)
    assert WebhookEvent.objects.count() == 0


def test_one_bad_row_fails_alone(company):
    batch = write_batch([row(company.pk, SID, "sent"), row(999999999, SID, "read")])
    assert (batch[0].inserted, batch[0].error) == (True, None)
    assert batch[1].error is not None and not batch[1].inserted
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == [
        f"status:{ACCOUNT_SID}:{SID}:sent:"
    ]


def test_webhook_answers_200_only_after_its_row_is_committed(post_webhook, wa, monkeypatch):
    release = threading.Event()
    entered = threading.Event()
    real = services.webhook_events_store_many

    def slow(rows):
        entered.set()
        assert release.wait(10)
        return real(rows)

    monkeypatch.setattr(webhook_store, "webhook_events_store_many", slow)
    responses = []
    request = threading.Thread(
        target=lambda: responses.append(post_webhook("status", status_params(SID, "delivered")))
    )
    request.start()
    assert entered.wait(10)
    request.join(0.3)
    assert responses == [] and WebhookEvent.objects.count() == 0
    release.set()
    request.join(10)
    assert responses[0].status_code == 200
    assert WebhookEvent.objects.get().event_id == f"status:{ACCOUNT_SID}:{SID}:delivered:"


def test_webhook_answers_503_when_the_store_fails(post_webhook, wa, monkeypatch):
    def broken(rows):
        raise OperationalError("database is down")

    monkeypatch.setattr(webhook_store, "webhook_events_store_many", broken)
    response = post_webhook("status", status_params(SID, "delivered"))
    assert response.status_code == 503
    assert WebhookEvent.objects.count() == 0


def test_webhook_answers_503_when_the_store_times_out(post_webhook, wa, monkeypatch):
    release = threading.Event()
    real = services.webhook_events_store_many

    def stuck(rows):
        release.wait(10)
        return real(rows)

    monkeypatch.setattr(webhook_store, "webhook_events_store_many", stuck)
    store_timeout = webhook_writer.STORE_TIMEOUT_SECONDS
    monkeypatch.setattr(webhook_writer, "STORE_TIMEOUT_SECONDS", 0.2)
    assert post_webhook("status", status_params(SID, "delivered")).status_code == 503
    release.set()
    webhook_store.group_writer_stop()
    # Twilio's retry meets a writer that is no longer stuck, with the usual time to start again.
    monkeypatch.setattr(webhook_writer, "STORE_TIMEOUT_SECONDS", store_timeout)
    # stored late: Twilio's retry is then a repeat, answered 200 without a second row
    assert WebhookEvent.objects.count() == 1
    assert post_webhook("status", status_params(SID, "delivered")).status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_a_busy_writer_gathers_the_rows_that_come_within_its_window():
    writer = GroupWriter(lambda rows: [])
    writer.stop()  # its thread gone: this test drives _gather itself
    first, later = Pending(("a",)), Pending(("b",))
    threading.Timer(0.05, writer.queue.put, [later]).start()
    threading.Timer(0.1, writer.queue.put, [None]).start()

    batch, stopping = writer._gather(first, window=30.0)

    assert (batch, stopping) == ([first, later], True)  # the stop ends the window early


def test_an_idle_writer_takes_what_is_queued_and_waits_for_nothing():
    writer = GroupWriter(lambda rows: [])
    writer.stop()
    first, queued = Pending(("a",)), Pending(("b",))
    writer.queue.put(queued)

    assert writer._gather(first, window=0.0) == ([first, queued], False)
