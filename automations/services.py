"""Writes for Automated Items: saving the rules, recording triggered runs, executing due runs.

Lifecycle of a run: an event handler (registered in `AutomationsConfig.ready`, called inside the
transaction that made the change) records a pending `AutomationRun` per matching item, due after
the item's delay. Celery beat (`automations.tasks.automations_dispatch_due`) executes due runs;
a run due at once is also enqueued when its transaction commits. Executing a run calls the
messaging core's `message_send`, which applies every WhatsApp rule (enable switch, opt-out, mobile,
session, messaging limit, marketing guardrail); a refusal is recorded on the run as `skipped` with
its code and message. The unique (item, person, event_key) keeps one message per item and event.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import signature
from django.db import transaction
from django.utils import timezone

from automations import selectors
from automations.models import (
    AVAILABLE_KINDS,
    AutomatedItem,
    AutomationKind,
    AutomationRun,
    RunState,
    TriggerEvent,
)
from gymsales.errors import DomainError, FieldErrors
from gymsales.models import Appointment, Club, Company, Person, PersonStatus
from gymsales.services import sale_type_get
from gymsales.tenancy import all_companies, company_scope
from templates_app.models import MessageTemplate

logger = logging.getLogger(__name__)
RUN_EXECUTE_TASK = "automations.run_execute"  # automations.tasks.automation_run_execute_task

# Which trigger parameter each event needs; the others are cleared so an item says only what applies.
REQUIRED_PARAMS = {
    TriggerEvent.LEAD_REENGAGED: "inactive_days",
    TriggerEvent.APPOINTMENT_UPCOMING: "hours_before",
}
EVENT_PARAMS = {
    "inactive_days": TriggerEvent.LEAD_REENGAGED,
    "hours_before": TriggerEvent.APPOINTMENT_UPCOMING,
    "to_status": TriggerEvent.STATUS_CHANGED,
}
DISPATCH_BATCH = 200
# The sweep looks this far back for inbound WhatsApp messages that may re-engage a lead; run
# keys make overlapping sweeps harmless.
REENGAGE_LOOKBACK = timedelta(minutes=15)


# --- Saving items --------------------------------------------------------------------------


def automated_item_create(*, company: Company, data: dict[str, Any]) -> AutomatedItem:
    item = AutomatedItem(company=company)
    values = {"active": True, "delay_minutes": 0, "to_status": "", **data}
    _apply(item=item, values=values)
    item.save()
    return item


def automated_item_update(*, item: AutomatedItem, data: dict[str, Any]) -> AutomatedItem:
    """Change any subset of the fields; the result is validated as a whole."""
    current = {
        "name": item.name,
        "kind": item.kind,
        "active": item.active,
        "trigger_event": item.trigger_event,
        "delay_minutes": item.delay_minutes,
        "inactive_days": item.inactive_days,
        "to_status": item.to_status,
        "hours_before": item.hours_before,
        "club_id": item.club_id,
        "sale_type": item.sale_type.key if item.sale_type_id else None,
        "template_id": item.template_id,
    }
    _apply(item=item, values={**current, **data})
    item.save()
    return item


def automated_item_delete(*, item: AutomatedItem) -> None:
    """Deleting an item deletes its runs; messages already sent stay on the people's history."""
    item.delete()


def _apply(*, item: AutomatedItem, values: dict[str, Any]) -> None:
    company = item.company
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = ["A name is required."]
    if values.get("trigger_event") not in TriggerEvent.values:
        errors["trigger_event"] = ["Choose a trigger event."]
    for event, param in REQUIRED_PARAMS.items():
        if values.get("trigger_event") == event and not values.get(param):
            errors[param] = [f"Required (at least 1) for the {event.label} trigger."]
    club = None
    if values.get("club_id") is not None:
        club = Club.objects.filter(company=company, pk=values["club_id"]).first()
        if club is None:
            errors["club_id"] = ["No such club in this company."]
    sale_type = None
    if values.get("sale_type"):
        sale_type = sale_type_get(values["sale_type"])
        if sale_type is None:
            errors["sale_type"] = ["Must be membership or secondary."]
    if errors:
        raise FieldErrors(errors)
    _check_kind(values.get("kind"))
    template = _sendable_template(company=company, template_id=values.get("template_id"))

    item.name = values["name"].strip()
    item.kind = values["kind"]
    item.active = bool(values.get("active", True))
    item.trigger_event = values["trigger_event"]
    item.delay_minutes = values.get("delay_minutes") or 0
    for param, event in EVENT_PARAMS.items():
        value = values.get(param) if item.trigger_event == event else None
        setattr(item, param, value or ("" if param == "to_status" else None))
    item.club = club
    item.sale_type = sale_type
    item.template = template


def _check_kind(kind: str | None) -> None:
    if kind not in AutomationKind.values:
        raise FieldErrors({"kind": ["Choose a kind."]})
    if kind not in AVAILABLE_KINDS:
        label = AutomationKind(kind).label
        raise DomainError(
            f"{label} is not yet available; only Send WhatsApp can be used for now.",
            code="kind_not_available",
            field="kind",
        )


def _sendable_template(*, company: Company, template_id) -> MessageTemplate:
    """Send WhatsApp requires an approved template of this company (SPEC §3: automations send templates)."""
    if template_id is None:
        raise DomainError(
            "Send WhatsApp requires a Template Id: choose an approved template.",
            code="template_required",
            field="template_id",
        )
    template = MessageTemplate.objects.filter(company=company, pk=template_id).first()
    if template is None:
        raise FieldErrors({"template_id": ["No such template in this company."]})
    if not template.is_sendable:
        raise DomainError(
            f'The template "{template.name}" is not approved; only approved templates can be used.',
            code="template_not_approved",
            field="template_id",
        )
    return template


# --- Recording triggered runs (called inside the transaction of the event) -----------------


def automation_runs_record(
    *,
    person: Person,
    event: str,
    event_key: str,
    due_base: datetime | None = None,
    item_filter=None,
) -> list[AutomationRun]:
    """Record a pending run for every active item of `event` whose filters match `person`.

    `due_base` is when the event counts as happening (default now); a run is due `delay_minutes`
    after it. A run already recorded for the same item, person and event key is left as it is.
    Runs due now are enqueued once the transaction commits; the rest wait for beat.
    """
    now = timezone.now()
    recorded = []
    with company_scope(person.company_id):
        for item in selectors.automated_items_for_event(company_id=person.company_id, event=event):
            if item.club_id and item.club_id != person.club_id:
                continue
            if item_filter is not None and not item_filter(item):
                continue
            # A reminder whose moment has passed already (booked late) is due at once.
            due_at = max(now, (due_base or now) + timedelta(minutes=item.delay_minutes))
            run, created = AutomationRun.objects.get_or_create(
                item=item,
                person=person,
                event_key=event_key,
                defaults={"company_id": person.company_id, "event": event, "due_at": due_at},
            )
            if created:
                recorded.append(run)
                if run.due_at <= now:
                    transaction.on_commit(partial(_enqueue_run, run.pk))
    return recorded


def _enqueue_run(run_id: int) -> None:
    """After the commit: never an error for the request (Redis down); beat's dispatch_due runs it.
    Enqueued by the task's name: the task module calls these services, never the reverse."""
    try:
        signature(RUN_EXECUTE_TASK, args=(run_id,)).apply_async()
    except Exception:  # any broker failure: the run is pending in its row, beat executes it
        logger.warning("automation run %s: could not enqueue, beat will execute it", run_id)


def on_person_created(*, person: Person) -> None:
    if person.status == PersonStatus.LEAD:
        automation_runs_record(person=person, event=TriggerEvent.LEAD_CREATED, event_key="lead")


def on_person_status_changed(*, person: Person, old_status: str) -> None:
    """Keyed by the new status: a person flipping back and forth is not messaged again."""
    automation_runs_record(
        person=person,
        event=TriggerEvent.STATUS_CHANGED,
        event_key=f"status:{person.status}",
        item_filter=lambda item: not item.to_status or item.to_status == person.status,
    )


def on_person_updated(*, person: Person, previous_updated_at: datetime | None) -> None:
    """A lead updated (peopleUpdate) after at least N days without an update has re-engaged."""
    if person.status != PersonStatus.LEAD or previous_updated_at is None:
        return
    _record_reengaged(person=person, inactive_since=previous_updated_at, at=timezone.now())


def _record_reengaged(*, person: Person, inactive_since: datetime, at: datetime) -> int:
    quiet = at - inactive_since
    runs = automation_runs_record(
        person=person,
        event=TriggerEvent.LEAD_REENGAGED,
        event_key=f"reengaged:{at.date().isoformat()}",
        item_filter=lambda item: quiet >= timedelta(days=item.inactive_days or 0),
    )
    return len(runs)


def on_appointment_booked(*, appointment: Appointment) -> None:
    """Fires appointment_booked and schedules the appointment_upcoming reminders."""
    if not isinstance(appointment.starts_at, datetime):
        appointment.refresh_from_db(fields=["starts_at"])  # created from unparsed input
    person = appointment.person
    automation_runs_record(
        person=person,
        event=TriggerEvent.APPOINTMENT_BOOKED,
        event_key=f"appointment:{appointment.pk}:booked",
    )
    _record_upcoming(appointment=appointment, person=person)


def _record_upcoming(*, appointment: Appointment, person: Person) -> int:
    if appointment.starts_at <= timezone.now():
        return 0
    with company_scope(person.company_id):
        items = selectors.automated_items_for_event(
            company_id=person.company_id, event=TriggerEvent.APPOINTMENT_UPCOMING
        )
        hours = sorted({item.hours_before or 0 for item in items})
    recorded = 0
    for hours_before in hours:
        recorded += len(
            automation_runs_record(
                person=person,
                event=TriggerEvent.APPOINTMENT_UPCOMING,
                # Keyed by the start time: a rescheduled appointment gets its own reminder.
                event_key=f"appointment:{appointment.pk}:upcoming:{appointment.starts_at.isoformat()}",
                due_base=appointment.starts_at - timedelta(hours=hours_before),
                item_filter=lambda item, h=hours_before: (item.hours_before or 0) == h,
            )
        )
    return recorded


# --- The beat sweep: events found by looking (reminders, re-engaged leads) ------------------


def automations_sweep(*, now: datetime | None = None) -> int:
    """Record runs for appointments starting within an item's `hours_before` and for leads whose
    inbound WhatsApp message comes after N days without any message. Returns runs recorded."""
    now = now or timezone.now()
    with all_companies():
        companies = list(
            AutomatedItem.objects.filter(
                active=True,
                trigger_event__in=[
                    TriggerEvent.APPOINTMENT_UPCOMING,
                    TriggerEvent.LEAD_REENGAGED,
                ],
            )
            .values_list("company_id", flat=True)
            .distinct()
        )
    recorded = 0
    for company_id in companies:
        with company_scope(company_id), transaction.atomic():
            recorded += _sweep_upcoming(company_id=company_id, now=now)
            recorded += _sweep_reengaged(company_id=company_id, now=now)
    return recorded


def _sweep_upcoming(*, company_id: int, now: datetime) -> int:
    items = selectors.automated_items_for_event(
        company_id=company_id, event=TriggerEvent.APPOINTMENT_UPCOMING
    )
    horizon = max((item.hours_before or 0 for item in items), default=0)
    if not horizon:
        return 0
    appointments = Appointment.objects.filter(
        company=company_id, starts_at__gt=now, starts_at__lte=now + timedelta(hours=horizon)
    ).select_related("person")
    return sum(
        _record_upcoming(appointment=appointment, person=appointment.person)
        for appointment in appointments
    )


def _sweep_reengaged(*, company_id: int, now: datetime) -> int:
    from django.db.models import Max, OuterRef, Subquery

    from whatsapp.models import Direction, Message

    if not selectors.automated_items_for_event(
        company_id=company_id, event=TriggerEvent.LEAD_REENGAGED
    ).exists():
        return 0
    earlier = (
        Message.objects.filter(
            company=company_id, person=OuterRef("person"), created_at__lt=OuterRef("created_at")
        )
        .values("person")
        .annotate(last=Max("created_at"))
        .values("last")
    )
    inbound = (
        Message.objects.filter(
            company=company_id,
            direction=Direction.INBOUND,
            created_at__gte=now - REENGAGE_LOOKBACK,
            created_at__lte=now,
            person__status=PersonStatus.LEAD,
        )
        .annotate(previous_at=Subquery(earlier))
        .select_related("person")
        .order_by("created_at")
    )
    return sum(
        _record_reengaged(
            person=message.person,
            inactive_since=message.previous_at or message.person.created_at,
            at=message.created_at,
        )
        for message in inbound
    )


# --- Executing due runs ----------------------------------------------------------------------


def automation_runs_dispatch_due(
    *, now: datetime | None = None, limit: int = DISPATCH_BATCH
) -> int:
    """Execute up to `limit` due pending runs, each in its company's scope. Returns runs executed.

    Two workers (or a repeated beat tick) may pick the same ids: each run is locked with
    SKIP LOCKED and re-checked as pending, so it is executed once.
    """
    now = now or timezone.now()
    with all_companies():
        due = list(
            AutomationRun.objects.filter(state=RunState.PENDING, due_at__lte=now)
            .order_by("due_at", "id")
            .values_list("pk", "company_id")[:limit]
        )
    executed = 0
    for run_id, company_id in due:
        with company_scope(company_id):
            if _execute(run_id=run_id) is not None:
                executed += 1
    return executed


def automation_run_execute(*, run_id: int) -> AutomationRun | None:
    """Execute one run if it is still pending and due (a task retried after success does nothing)."""
    with all_companies():
        company_id = (
            AutomationRun.objects.filter(pk=run_id).values_list("company_id", flat=True).first()
        )
    if company_id is None:
        return None
    with company_scope(company_id):
        return _execute(run_id=run_id)


def _execute(*, run_id: int) -> AutomationRun | None:
    with transaction.atomic():
        run = (
            AutomationRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("item", "item__template", "item__sale_type", "person", "company")
            .filter(pk=run_id, state=RunState.PENDING, due_at__lte=timezone.now())
            .first()
        )
        if run is None:
            return None
        refusal = _refusal(run)
        if refusal is not None:
            _finish(run, state=RunState.SKIPPED, code=refusal.code, reason=refusal.message)
            return run
        try:
            with transaction.atomic():
                message = _send(run)
        except DomainError as exc:
            _finish(run, state=RunState.SKIPPED, code=exc.code, reason=exc.message)
        except Exception as exc:
            logger.exception("Automation run %s failed", run.pk)
            _finish(run, state=RunState.FAILED, code="error", reason=f"{type(exc).__name__}: {exc}")
        else:
            run.message = message
            _finish(run, state=RunState.SENT, code="", reason="")
    return run


def _refusal(run: AutomationRun) -> DomainError | None:
    """Why the item itself cannot act now (the person's rules are message_send's to check)."""
    item = run.item
    if not item.active:
        return DomainError("The Automated Item was deactivated.", code="item_inactive")
    if item.kind not in AVAILABLE_KINDS:
        return DomainError(
            f"{AutomationKind(item.kind).label} is not yet available.", code="kind_not_available"
        )
    if item.template is None:
        return DomainError("The item's template was deleted.", code="template_missing")
    if not item.template.is_sendable:
        return DomainError(
            f'The template "{item.template.name}" is no longer approved.',
            code="template_not_approved",
        )
    return None


def _send(run: AutomationRun):
    from whatsapp import services as whatsapp_services

    return whatsapp_services.message_send(
        person=run.person,
        user=None,
        template=run.item.template,
        sale_type=run.item.sale_type,
        origin="automation",
        automation_run=run,
    )


def _finish(run: AutomationRun, *, state: str, code: str, reason: str) -> None:
    run.state = state
    run.reason_code = code
    run.reason = reason
    run.save(update_fields=["state", "reason_code", "reason", "message", "updated_at"])
