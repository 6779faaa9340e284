"""Executing due runs: once per run, refusals recorded as skipped with the reason."""

from __future__ import annotations

import pytest

from automations import services, tasks
from automations.models import AutomationRun, RunState, TriggerEvent
from templates_app.models import TemplateStatus
from whatsapp.models import Message

pytestmark = pytest.mark.django_db


def pending_run(item, person, key="lead"):
    return AutomationRun.objects.create(
        company=item.company,
        item=item,
        person=person,
        event=TriggerEvent.LEAD_CREATED,
        event_key=key,
    )


def test_due_run_sends_template_as_automation(welcome_item, approved_template, person, sender):
    run = pending_run(welcome_item, person)

    assert services.automation_runs_dispatch_due() == 1

    run.refresh_from_db()
    message = Message.objects.get()
    assert (run.state, run.message_id, run.reason) == (RunState.SENT, message.pk, "")
    call = sender.calls[0]
    assert (call["person"], call["user"], call["template"], call["origin"]) == (
        person,
        None,
        approved_template,
        "automation",
    )
    assert call["automation_run"].pk == run.pk


def test_dispatch_twice_and_task_retried_send_once(welcome_item, person, sender):
    run = pending_run(welcome_item, person)

    assert services.automation_runs_dispatch_due() == 1
    assert services.automation_runs_dispatch_due() == 0
    tasks.automation_run_execute_task.apply(args=[run.pk])  # a retried/duplicate task
    tasks.automations_dispatch_due.apply()

    assert len(sender.calls) == 1
    assert Message.objects.count() == 1


def test_same_event_twice_records_one_run(welcome_item, person):
    services.on_person_created(person=person)
    services.on_person_created(person=person)

    assert AutomationRun.objects.count() == 1


def test_opted_out_person_is_skipped_with_reason(welcome_item, person, sender):
    person.whatsapp_opted_out = True
    person.save()
    run = pending_run(welcome_item, person)

    services.automation_runs_dispatch_due()

    run.refresh_from_db()
    assert (run.state, run.reason_code, run.reason, run.message_id) == (
        RunState.SKIPPED,
        "opted_out",
        "This person opted out of WhatsApp.",
        None,
    )
    assert not Message.objects.exists()


def test_item_deactivated_before_due_is_skipped(welcome_item, person, sender):
    run = pending_run(welcome_item, person)
    welcome_item.active = False
    welcome_item.save()

    services.automation_runs_dispatch_due()

    run.refresh_from_db()
    assert (run.state, run.reason_code) == (RunState.SKIPPED, "item_inactive")
    assert sender.calls == []


def test_template_no_longer_approved_is_skipped(welcome_item, approved_template, person, sender):
    run = pending_run(welcome_item, person)
    approved_template.status = TemplateStatus.PAUSED
    approved_template.save()

    services.automation_runs_dispatch_due()

    run.refresh_from_db()
    assert (run.state, run.reason_code) == (RunState.SKIPPED, "template_not_approved")
    assert sender.calls == []


def test_deleted_template_is_skipped(welcome_item, approved_template, person, sender):
    run = pending_run(welcome_item, person)
    approved_template.delete()

    services.automation_runs_dispatch_due()

    run.refresh_from_db()
    assert (run.state, run.reason_code) == (RunState.SKIPPED, "template_missing")


def test_unexpected_error_marks_failed_and_batch_goes_on(
    welcome_item, person, company, club, sender, monkeypatch
):
    from tests.factories import PersonFactory

    second = PersonFactory(company=company, club=club, first_name="Second")
    first_run = pending_run(welcome_item, person)
    second_run = pending_run(welcome_item, second)

    def explode_for_jane(**kwargs):
        if kwargs["person"].pk == person.pk:
            Message.objects.create(company=company, person=person, direction="outbound")
            raise ConnectionError("database hiccup")
        return sender(**kwargs)

    from whatsapp import services as whatsapp_services

    monkeypatch.setattr(whatsapp_services, "message_send", explode_for_jane)

    assert services.automation_runs_dispatch_due() == 2

    first_run.refresh_from_db()
    second_run.refresh_from_db()
    assert (first_run.state, first_run.reason) == (
        RunState.FAILED,
        "ConnectionError: database hiccup",
    )
    assert second_run.state == RunState.SENT
    # What the failed send wrote was rolled back with it.
    assert list(Message.objects.values_list("person_id", flat=True)) == [second.pk]


def test_each_run_executes_in_its_own_company_scope(
    welcome_item, person, other_company, other_person, other_template, sender
):
    from tests.automations.conftest import make_item

    other_item = make_item(other_company, other_template)
    pending_run(welcome_item, person)
    pending_run(other_item, other_person)

    assert services.automation_runs_dispatch_due() == 2

    sent = {(c["person"].company_id, c["template"].company_id) for c in sender.calls}
    assert sent == {(person.company_id, person.company_id), (other_company.pk, other_company.pk)}
