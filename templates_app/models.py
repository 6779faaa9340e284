"""WhatsApp message templates (Meta-approved content), per company."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from gymsales.models import Company
from gymsales.tenancy import tenant_manager


class TemplateCategory(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    UTILITY = "utility", "Utility"
    AUTHENTICATION = "authentication", "Authentication"


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    UNSUBMITTED = "unsubmitted", "Unsubmitted"
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PAUSED = "paused", "Paused"
    DISABLED = "disabled", "Disabled"


NAME_TAKEN = "Another template already has this name."


# "Sendable": approved (by Meta through the Content API, or ticked "Twilio approved" by hand) and
# with a Content SID, unless Meta withdrew it (paused, disabled) or it was rejected. ONE rule:
# SENDABLE filters querysets (templates_app.selectors.templates_sendable), and
# MessageTemplate.is_sendable reads the same three conditions on one template.
NEVER_SENDABLE = (TemplateStatus.PAUSED, TemplateStatus.DISABLED, TemplateStatus.REJECTED)
SENDABLE = (
    ~Q(content_sid="")
    & ~Q(status__in=NEVER_SENDABLE)
    & (Q(status=TemplateStatus.APPROVED) | Q(twilio_approved=True))
)


class MessageTemplate(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=TemplateCategory.choices)
    language = models.CharField(max_length=16, default="en")
    header = models.JSONField(null=True, blank=True)
    body = models.TextField()
    footer = models.CharField(max_length=60, blank=True, default="")
    buttons = models.JSONField(default=list, blank=True)
    variables = models.JSONField(default=dict, blank=True)
    content_sid = models.CharField(max_length=34, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT
    )
    twilio_approved = models.BooleanField(
        default=False, verbose_name="This Template is Twilio approved"
    )
    is_recontact = models.BooleanField(default=False)
    rejection_reason = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "company",
                Lower("name"),
                name="template_name_ci_unique",
                violation_error_message=NAME_TAKEN,
            )
        ]
        indexes = [models.Index(fields=["company", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sendable(self) -> bool:
        """Approved (by Twilio's review, or ticked by hand) and with a Content SID to send: a
        template is never sent as free text in its place. SENDABLE as Python, for one template."""
        return (
            bool(self.content_sid)
            and self.status not in NEVER_SENDABLE
            and (self.status == TemplateStatus.APPROVED or self.twilio_approved)
        )
