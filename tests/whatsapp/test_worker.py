"""The send path and the webhook path through a real Celery worker on Redis + PostgreSQL."""

import pytest

from tests.waits import wait_for
from tests.whatsapp.conftest import status_params
from whatsapp.models import Message, MessageStatus, WebhookEvent, WebhookEventPending
from whatsapp.providers import locmem

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_api_send_is_delivered_by_the_worker_once(
    celery_worker, finished_tasks, api, sales_user, person, wa, template
):
    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/whatsapp/messages",
        {"template_id": template.pk},
        format="json",
    )
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    message_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=message_id).sid is not None)
    message = Message.objects.get(pk=message_id)
    assert message.status == MessageStatus.SENDING
    assert [sent["message"].message_id for sent in locmem.outbox] == [message_id]
    # a duplicate task delivered by the broker changes nothing
    from whatsapp.tasks import message_deliver_task

    duplicate = message_deliver_task.delay(message_id)
    assert wait_for(lambda: duplicate.id in finished_tasks)
    assert finished_tasks[duplicate.id] == "skipped"
    assert len(locmem.outbox) == 1


def test_signed_status_callbacks_are_applied_by_the_worker(
    celery_worker, client, post_webhook, person, wa, company
):
    sid = "SM" + "d" * 32
    message = Message.objects.create(
        company=company,
        person=person,
        direction="outbound",
        status=MessageStatus.SENDING,
        sid=sid,
        body="hello",
    )
    for status in ("delivered", "sent"):
        assert post_webhook("status", status_params(sid, status)).status_code == 200
    assert WebhookEvent.objects.count() == 2
    assert wait_for(lambda: not WebhookEventPending.objects.exists())
    message.refresh_from_db()
    assert message.status == "delivered"
