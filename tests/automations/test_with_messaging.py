"""Automated Items through the real messaging core: every WhatsApp rule applies to a run."""

from __future__ import annotations

import pytest

from automations import services, tasks
from automations.models import AutomationRun, RunState
from gymsales.models import Note, NoteKind, Person
from templates_app.models import TemplateCategory
from tests.automations.conftest import make_item, make_template
from tests.waits import wait_for
from whatsapp.models import Message, MessageStatus, WhatsAppSettings
from whatsapp.providers import locmem

SENDER = "+14155550100"


def enable(company, **extra):
    values = {
        "enabled": True,
        "twilio_account_sid": "AC" + "1" * 32,
        "twilio_auth_token": "alpha-auth-token",
        "sender_number": SENDER,
        "messaging_limit": 250,
        "max_messages_per_second": 1000,
        **extra,
    }
    WhatsAppSettings.objects.filter(company=company).update(**values)


@pytest.fixture(autouse=True)
def _locmem(settings):
    from gymsales.celery import app

    settings.WHATSAPP_BACKEND = "locmem"
    settings.PUBLIC_BASE_URL = "https://gymsales.example"
    # Tasks run eagerly here; the end-to-end test's celery_worker fixture turns that off again.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    locmem.reset()
    yield
    app.conf.task_always_eager = False
    locmem.reset()


def create_lead(api, user, **extra):
    response = api(user).post(
        "/api/v1/people",
        {"first_name": "Liam", "last_name": "Nguyen", "phone_mobile": "+447911123456", **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Person.objects.get(pk=response.json()["id"])


@pytest.mark.django_db
def test_lead_created_sends_template_recorded_on_profile_and_run(
    api, sales_user, company, welcome_item, approved_template, django_capture_on_commit_callbacks
):
    enable(company)
    with django_capture_on_commit_callbacks(execute=True):
        lead = create_lead(api, sales_user)

    run = AutomationRun.objects.get()
    assert (run.state, run.reason) == (RunState.SENT, "")
    message = Message.objects.get()
    assert (run.state, run.message_id, run.person_id) == (RunState.SENT, message.pk, lead.pk)
    assert (message.template_id, message.origin, message.sent_by_id, message.body) == (
        approved_template.pk,
        "automation",
        None,
        "Hi Liam, welcome to the gym! Reply to book a visit.",
    )
    # The send task ran too (eagerly): Twilio's stand-in got the approved template's Content SID.
    assert [entry["sid"] for entry in locmem.outbox] == [message.sid]
    assert locmem.outbox[0]["message"].content_sid == approved_template.content_sid
    assert Note.objects.filter(
        person=lead, kind=NoteKind.WHATSAPP_SENT, message_link__message=message
    ).exists()


@pytest.mark.django_db
def test_opted_out_lead_is_skipped_and_recorded_and_nothing_sent(
    api, sales_user, company, welcome_item
):
    enable(company)
    lead = create_lead(api, sales_user, whatsapp_opted_out=True)

    services.automation_runs_dispatch_due()

    run = AutomationRun.objects.get(person=lead)
    assert (run.state, run.reason_code, run.message_id) == (RunState.SKIPPED, "opted_out", None)
    assert run.reason
    assert not Message.objects.exists()
    assert not Note.objects.filter(kind=NoteKind.WHATSAPP_SENT).exists()


@pytest.mark.django_db
def test_whatsapp_disabled_is_skipped_with_reason(api, sales_user, company, welcome_item):
    lead = create_lead(api, sales_user)  # the company's WhatsApp is off by default

    services.automation_runs_dispatch_due()

    run = AutomationRun.objects.get(person=lead)
    assert (run.state, run.reason_code) == (RunState.SKIPPED, "whatsapp_disabled")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_marketing_guardrail_skips_third_marketing_template(company, person, sales_user):
    from whatsapp.services import message_send

    enable(company)
    promo = make_template(company, name="Promo", category=TemplateCategory.MARKETING)
    for _ in range(2):
        message_send(person=person, user=sales_user, template=promo)
    make_item(company, promo, name="Promo to new leads")

    services.on_person_created(person=person)
    services.automation_runs_dispatch_due()

    run = AutomationRun.objects.get()
    assert (run.state, run.reason_code) == (RunState.SKIPPED, "marketing_limit")
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_no_mobile_is_skipped(company, club, welcome_item):
    from gymsales import services as core

    enable(company)
    lead = core.person_create(
        company=company, user=None, data={"first_name": "No", "club_id": club.pk}
    )

    services.automation_runs_dispatch_due()

    run = AutomationRun.objects.get(person=lead)
    assert (run.state, run.reason_code) == (RunState.SKIPPED, "no_mobile")


@pytest.mark.django_db(transaction=True)
def test_end_to_end_through_real_worker_and_beat_task(
    celery_worker, finished_tasks, api, sales_user, company, welcome_item, approved_template
):
    enable(company)
    lead = create_lead(api, sales_user)

    # The run was enqueued when the lead committed; the worker executes it and then sends it.
    assert wait_for(lambda: len(locmem.outbox) == 1)
    sent = locmem.outbox[0]["message"]
    assert (sent.to, sent.content_sid, sent.content_variables) == (
        "+447911123456",
        approved_template.content_sid,
        {"1": "Liam"},
    )
    run = AutomationRun.objects.get(person=lead)
    assert run.state == RunState.SENT
    # The worker stores the SID after Twilio answered (the message is `sending` until then).
    assert wait_for(lambda: Message.objects.get(pk=run.message_id).sid == locmem.outbox[0]["sid"])

    # Beat ticks (the task function itself) and a repeated execute task change nothing.
    assert tasks.automations_dispatch_due() == 0
    repeated = tasks.automation_run_execute_task.delay(run.pk)
    # A delayed run that has come due is dispatched by the beat task.
    delayed = make_item(company, approved_template, name="Follow-up", delay_minutes=60)
    services.on_person_created(person=lead)
    follow_up = AutomationRun.objects.get(item=delayed)
    assert follow_up.state == RunState.PENDING
    assert tasks.automations_dispatch_due() == 0
    AutomationRun.objects.filter(pk=follow_up.pk).update(due_at=follow_up.created_at)
    assert tasks.automations_dispatch_due() == 1

    assert wait_for(lambda: len(locmem.outbox) == 2)
    # The repeated task has finished and every message of the lead has been handed to the
    # provider: a wrongly duplicated send would be there by now.
    assert wait_for(lambda: repeated.id in finished_tasks)
    assert Message.objects.filter(person=lead).count() == 2
    assert wait_for(
        lambda: not Message.objects.filter(person=lead, status=MessageStatus.QUEUED).exists()
    )
    assert len(locmem.outbox) == 2
