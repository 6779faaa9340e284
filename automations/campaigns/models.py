"""Bulk WhatsApp campaigns: one approved template to an audience of people, paced to the
company's limits, with one forward-only recipient row per person (see `rules`).

A campaign's `preflight` is stored with it: who will be reached and who is excluded, by reason.
Recipients are made in SQL (`INSERT … SELECT`) and claimed by dispatch workers in batches with a
lease (`lease_until`): a recipient `sending` past its lease belonged to a worker that died and is
reconciled before it is sent again, so nobody is lost or sent twice.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from automations.campaigns import rules
from gymsales.models import Company, Person, User
from gymsales.tenancy import tenant_manager


class CampaignStatus(models.TextChoices):
    DRAFT = rules.DRAFT, "Draft"
    SCHEDULED = rules.SCHEDULED, "Scheduled"
    RUNNING = rules.RUNNING, "Running"
    PAUSED = rules.PAUSED, "Paused"
    COMPLETED = rules.COMPLETED, "Completed"
    STOPPED = rules.STOPPED, "Stopped"


class Campaign(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    template = models.ForeignKey(
        "templates_app.MessageTemplate", on_delete=models.PROTECT, related_name="campaigns"
    )
    # {"1": {"field": "first_name"} | {"value": "..."}}; empty: the template's own mapping.
    variables = models.JSONField(default=dict, blank=True)
    # {club_id, status, sale_type, owner_id, created_after, created_before,
    #  last_contacted_before, person_ids}; absent keys do not filter.
    audience = models.JSONField(default=dict, blank=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # {will_send, excluded: {opted_out, no_mobile, duplicate_phone, over_limit,
    #  marketing_guardrail}}, computed by the last pre-flight (and again at fan-out).
    preflight = models.JSONField(null=True, blank=True)
    preflight_at = models.DateTimeField(null=True, blank=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(
                fields=["status"],
                name="campaign_active",
                condition=models.Q(status__in=["scheduled", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status in rules.EDITABLE_STATES


class RecipientState(models.TextChoices):
    EXCLUDED = rules.R_EXCLUDED, "Excluded"
    QUEUED = rules.R_QUEUED, "Queued"
    SENDING = rules.R_SENDING, "Sending"
    SENT = rules.R_SENT, "Sent"
    DELIVERED = rules.R_DELIVERED, "Delivered"
    READ = rules.R_READ, "Read"
    FAILED = rules.R_FAILED, "Failed"
    NOT_SENT = rules.R_NOT_SENT, "Not sent"


class ExclusionReason(models.TextChoices):
    """Why the pre-flight left a person out (`reason` of an excluded recipient)."""

    OPTED_OUT = "opted_out", "Opted out"
    NO_MOBILE = "no_mobile", "No mobile number"
    DUPLICATE_PHONE = "duplicate_phone", "Duplicate phone number"
    OVER_LIMIT = "over_limit", "Over the messaging limit"
    MARKETING_GUARDRAIL = "marketing_guardrail", "Marketing guardrail (2 in 24 h)"


class CampaignRecipient(models.Model):
    """One person of a campaign. `state` only moves forward (rules.recipient_moves_forward)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    # No single-column indexes of their own: (campaign, person), (campaign, state) and
    # (person, sent_at) below lead with them. Each claim and write-back updates every index of
    # the row, so the table keeps no index twice.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="recipients", db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_index=False)
    phone = models.CharField(max_length=20, blank=True, default="")
    state = models.CharField(
        max_length=16, choices=RecipientState.choices, default=RecipientState.QUEUED
    )
    # excluded: an ExclusionReason; not_sent: the refusal's code (opted_out, limit_reached, …).
    reason = models.CharField(max_length=32, blank=True, default="")
    message = models.ForeignKey(
        "whatsapp.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error_code = models.CharField(max_length=16, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    # Re-queued by retry-failed (counts as `retrying` until it leaves `queued`).
    retrying = models.BooleanField(default=False)
    # Claimed by a worker until then; past it, the claim is reconciled and may be taken again.
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When Twilio accepted it.")
    failed_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True, help_text="A reply within 72 h.")
    opted_out_at = models.DateTimeField(
        null=True, blank=True, help_text="Opted out after the campaign reached them."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = tenant_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="campaign_recipient_once"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            # The dispatch claim: queued recipients of a campaign in id order.
            models.Index(
                fields=["campaign", "id"],
                name="campaign_recipient_queued",
                condition=models.Q(state="queued"),
            ),
            # Reconciliation: claims whose lease ran out.
            models.Index(
                fields=["lease_until"],
                name="campaign_recipient_leased",
                condition=models.Q(state="sending"),
            ),
            models.Index(fields=["person", "sent_at"], name="campaign_recipient_reached"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.person_id}: {self.state}"
