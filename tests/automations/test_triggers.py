"""Triggers record pending runs when their event commits; delays and filters decide who and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from automations import services
from automations.models import AutomationRun, RunState, TriggerEvent
from gymsales import services as core
from gymsales.models import Appointment, PersonStatus
from tests.automations.conftest import make_item
from tests.factories import ClubFactory, PersonFactory
from whatsapp.models import Direction, Message

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def create_lead(api, user, **extra):
    response = api(user).post(
        "/api/v1/people",
        {"first_name": "Liam", "phone_mobile": "+447911123456", **extra},
        format="json",
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_lead_created_through_api_records_run_due_now(api, sales_user, welcome_item):
    with time_machine.travel(T0, tick=False):
        person_id = create_lead(api, sales_user)

    run = AutomationRun.objects.get()
    assert (run.item_id, run.person_id, run.event, run.state) == (
        welcome_item.pk,
        person_id,
        TriggerEvent.LEAD_CREATED,
        RunState.PENDING,
    )
    assert run.due_at == T0


def test_member_created_is_not_a_new_lead(api, sales_user, welcome_item):
    create_lead(api, sales_user, status="member")

    assert not AutomationRun.objects.exists()


def test_delay_makes_run_due_later_and_dispatch_waits(api, sales_user, welcome_item, sender):
    welcome_item.delay_minutes = 45
    welcome_item.save()
    with time_machine.travel(T0, tick=False):
        create_lead(api, sales_user)
    run = AutomationRun.objects.get()
    assert run.due_at == T0 + timedelta(minutes=45)

    with time_machine.travel(T0 + timedelta(minutes=44), tick=False):
        assert services.automation_runs_dispatch_due() == 0
    assert sender.calls == []
    with time_machine.travel(T0 + timedelta(minutes=45), tick=False):
        assert services.automation_runs_dispatch_due() == 1
    run.refresh_from_db()
    assert run.state == RunState.SENT and len(sender.calls) == 1


def test_inactive_items_and_other_clubs_do_not_trigger(
    company, club, approved_template, sales_user
):
    other = ClubFactory(company=company, name="Alpha East")
    make_item(company, approved_template, name="Inactive", active=False)
    make_item(company, approved_template, name="East only", club=other)
    in_east = make_item(company, approved_template, name="East too", club=other)

    central = core.person_create(company=company, user=sales_user, data={"first_name": "C"})
    east = core.person_create(
        company=company, user=sales_user, data={"first_name": "E", "club_id": other.pk}
    )

    assert not AutomationRun.objects.filter(person=central).exists()
    assert set(AutomationRun.objects.filter(person=east).values_list("item__name", flat=True)) == {
        "East only",
        in_east.name,
    }


def test_other_company_events_never_trigger_my_items(welcome_item, other_company, other_club):
    core.person_create(company=other_company, user=None, data={"first_name": "Olga"})

    assert not AutomationRun.objects.exists()


def test_status_changed_respects_to_status_and_is_once_per_status(
    company, approved_template, person
):
    to_member = make_item(
        company,
        approved_template,
        name="Welcome member",
        trigger_event=TriggerEvent.STATUS_CHANGED,
        to_status=PersonStatus.MEMBER,
    )
    any_change = make_item(
        company, approved_template, name="Any change", trigger_event=TriggerEvent.STATUS_CHANGED
    )

    core.person_update(person=person, user=None, data={"status": "member"})
    core.person_update(person=person, user=None, data={"status": "lead"})
    core.person_update(person=person, user=None, data={"status": "member"})  # the event repeats

    runs = AutomationRun.objects.order_by("id")
    assert [(r.item_id, r.event_key) for r in runs] == [
        (to_member.pk, "status:member"),
        (any_change.pk, "status:member"),
        (any_change.pk, "status:lead"),
    ]


def test_lead_reengaged_after_n_days_without_update(company, approved_template, sales_user):
    make_item(
        company,
        approved_template,
        name="Welcome back",
        trigger_event=TriggerEvent.LEAD_REENGAGED,
        inactive_days=30,
    )
    with time_machine.travel(T0, tick=False):
        lead = core.person_create(company=company, user=sales_user, data={"first_name": "R"})
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        core.person_update(person=lead, user=sales_user, data={"source_name": "web form"})
    assert not AutomationRun.objects.exists()

    back = T0 + timedelta(days=29 + 30)
    with time_machine.travel(back, tick=False):
        core.person_update(person=lead, user=sales_user, data={"source_name": "web form again"})
        core.person_update(person=lead, user=sales_user, data={"source_name": "same day"})

    run = AutomationRun.objects.get()
    assert (run.event, run.event_key, run.due_at) == (
        TriggerEvent.LEAD_REENGAGED,
        f"reengaged:{back.date().isoformat()}",
        back,
    )


def test_lead_reengaged_by_inbound_whatsapp_found_by_sweep(company, approved_template, person):
    item = make_item(
        company,
        approved_template,
        name="Welcome back",
        trigger_event=TriggerEvent.LEAD_REENGAGED,
        inactive_days=10,
    )
    Message.objects.create(
        company=company, person=person, direction=Direction.OUTBOUND, created_at=T0
    )
    Message.objects.create(
        company=company,
        person=person,
        direction=Direction.INBOUND,
        created_at=T0 + timedelta(days=3),
    )  # a reply within 10 days: not a come-back
    back = T0 + timedelta(days=20)
    Message.objects.create(
        company=company, person=person, direction=Direction.INBOUND, created_at=back
    )

    with time_machine.travel(T0 + timedelta(days=3, minutes=1), tick=False):
        assert services.automations_sweep() == 0
    with time_machine.travel(back + timedelta(minutes=1), tick=False):
        assert services.automations_sweep() == 1
        assert services.automations_sweep() == 0  # the next beat tick finds it again: no new run

    run = AutomationRun.objects.get()
    assert (run.item_id, run.person_id, run.event) == (item.pk, person.pk, "lead_reengaged")


def test_appointment_booked_through_api_fires_and_schedules_reminder(
    api, sales_user, company, approved_template, person
):
    booked = make_item(
        company, approved_template, name="Booked", trigger_event=TriggerEvent.APPOINTMENT_BOOKED
    )
    reminder = make_item(
        company,
        approved_template,
        name="Reminder",
        trigger_event=TriggerEvent.APPOINTMENT_UPCOMING,
        hours_before=24,
    )
    starts = T0 + timedelta(days=3)
    with time_machine.travel(T0, tick=False):
        response = api(sales_user).post(
            f"/api/v1/people/{person.pk}/appointments",
            {"starts_at": starts.isoformat(), "kind": "tour"},
            format="json",
        )
        assert response.status_code == 201
        appointment = Appointment.objects.get()
        services.on_appointment_booked(appointment=appointment)  # the event repeats

    runs = {run.item_id: run for run in AutomationRun.objects.all()}
    assert set(runs) == {booked.pk, reminder.pk}
    assert runs[booked.pk].due_at == T0
    assert runs[reminder.pk].due_at == starts - timedelta(hours=24)
    assert runs[reminder.pk].event == TriggerEvent.APPOINTMENT_UPCOMING


def test_appointment_booked_handler_is_registered():
    assert services.on_appointment_booked in core.APPOINTMENT_BOOKED_HANDLERS
    assert services.on_person_created in core.PERSON_CREATED_HANDLERS
    assert services.on_person_status_changed in core.PERSON_STATUS_CHANGED_HANDLERS


def test_sweep_finds_upcoming_appointments_booked_before_the_item_existed(
    company, approved_template, person
):
    soon = Appointment.objects.create(
        company=company, person=person, starts_at=T0 + timedelta(hours=2)
    )
    Appointment.objects.create(company=company, person=person, starts_at=T0 + timedelta(hours=30))
    Appointment.objects.create(company=company, person=person, starts_at=T0 - timedelta(hours=1))
    make_item(
        company,
        approved_template,
        name="Reminder",
        trigger_event=TriggerEvent.APPOINTMENT_UPCOMING,
        hours_before=3,
    )

    with time_machine.travel(T0, tick=False):
        assert services.automations_sweep() == 1
        assert services.automations_sweep() == 0

    run = AutomationRun.objects.get()
    assert run.event_key == f"appointment:{soon.pk}:upcoming:{soon.starts_at.isoformat()}"
    assert run.due_at == T0  # already inside the window: due at once


def test_run_recorded_only_if_the_event_commits(company, sales_user, welcome_item):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        core.person_create(company=company, user=sales_user, data={"first_name": "Gone"})
        raise RuntimeError("the request failed after the lead was created")

    assert not AutomationRun.objects.exists()


def test_lead_created_enqueues_run_on_commit(
    company, sales_user, welcome_item, django_capture_on_commit_callbacks, monkeypatch
):
    from automations import tasks

    enqueued = []
    # Enqueued by name (automations.services.RUN_EXECUTE_TASK): the registered task's apply_async.
    monkeypatch.setattr(
        tasks.automation_run_execute_task,
        "apply_async",
        lambda args, kwargs=None, **options: enqueued.append(*args),
    )
    with django_capture_on_commit_callbacks(execute=True):
        person = core.person_create(company=company, user=sales_user, data={"first_name": "Q"})

    assert enqueued == [AutomationRun.objects.get(person=person).pk]


def test_person_factory_people_in_two_companies_are_kept_apart(
    welcome_item, other_company, other_club
):
    outsider = PersonFactory(company=other_company, club=other_club)
    services.on_person_created(person=outsider)

    assert not AutomationRun.objects.exists()
