"""Automated Items: company rules that send an approved WhatsApp template when an event happens.

An event (a lead created, a status change, an appointment booked, ...) records one `AutomationRun`
per matching item and person, due `delay_minutes` later; Celery beat dispatches due runs. The run's
unique (item, person, event_key) makes an event that repeats, or a retried task, send nothing twice.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from gymsales.models import Club, Company, Person, PersonStatus, SaleType
from gymsales.tenancy import tenant_manager


class AutomationKind(models.TextChoices):
    SEND_WHATSAPP = "send_whatsapp", "Send WhatsApp"
    CREATE_TASK = "create_task", "Create Task"
    SEND_EMAIL = "send_email", "Send Email"
    SEND_SMS = "send_sms", "Send SMS"


# Kinds that can be saved today; the others are listed (greyed out) and refused with a 422.
AVAILABLE_KINDS = frozenset({AutomationKind.SEND_WHATSAPP})


class TriggerEvent(models.TextChoices):
    LEAD_CREATED = "lead_created", "New lead created"
    LEAD_REENGAGED = "lead_reengaged", "Lead re-engaged"
    STATUS_CHANGED = "status_changed", "Status changed"
    APPOINTMENT_BOOKED = "appointment_booked", "Appointment booked"
    APPOINTMENT_UPCOMING = "appointment_upcoming", "Appointment reminder"


class AutomatedItem(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AutomationKind.choices)
    active = models.BooleanField(default=True)
    trigger_event = models.CharField(max_length=32, choices=TriggerEvent.choices)
    delay_minutes = models.PositiveIntegerField(default=0)
    # Trigger parameters; each applies to one event and is null for the others.
    inactive_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="lead_reengaged: days without activity before coming back."
    )
    to_status = models.CharField(
        max_length=16,
        choices=PersonStatus.choices,
        blank=True,
        default="",
        help_text="status_changed: only changes to this status (empty: any change).",
    )
    hours_before = models.PositiveIntegerField(
        null=True, blank=True, help_text="appointment_upcoming: hours before the appointment."
    )
    # Filters.
    club = models.ForeignKey(
        Club, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sale_type = models.ForeignKey(
        SaleType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SET_NULL: deleting a template must not fail; runs of an item without one are skipped.
    template = models.ForeignKey(
        "templates_app.MessageTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="automated_items",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["company", "trigger_event", "active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def template_description(self) -> str | None:
        """What the item sends, read-only: the template's body as approved."""
        return self.template.body if self.template_id else None


class RunState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class AutomationRun(models.Model):
    """One item acting on one person for one event: pending until due, then sent/skipped/failed."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(AutomatedItem, on_delete=models.CASCADE, related_name="runs")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="automation_runs")
    event = models.CharField(max_length=32, choices=TriggerEvent.choices)
    event_key = models.CharField(max_length=120)
    due_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.PENDING)
    reason_code = models.CharField(max_length=32, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    message = models.ForeignKey(
        "whatsapp.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="automation_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "person", "event_key"], name="automation_run_once_per_event"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="automation_run_pending_due",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["item", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.person_id} ({self.event_key}): {self.state}"


# Bulk campaigns live in their own module; imported here so Django registers them with this app.
from automations.campaigns.models import (  # noqa: E402, F401
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    ExclusionReason,
    RecipientState,
)
