"""WhatsApp per company, messages, and the raw webhook events Twilio sends us."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from gymsales.crypto import EncryptedTextField
from gymsales.models import Company, Note, Person, SaleType, User
from gymsales.tenancy import tenant_manager


class MessagingLimit(models.IntegerChoices):
    """Meta's tiers: unique people reached with business-initiated messages in a rolling 24 h."""

    TIER_250 = 250, "250"
    TIER_2K = 2000, "2,000"
    TIER_10K = 10000, "10,000"
    TIER_100K = 100000, "100,000"


SENDER_TAKEN = "Another company already uses this sender number."


class WhatsAppSettings(models.Model):
    """A company's WhatsApp switch and Twilio sender. Disabled by default."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="whatsapp")
    enabled = models.BooleanField(default=False)
    sender_number = models.CharField(max_length=20, blank=True, default="", help_text="+E164")
    twilio_account_sid = models.CharField(max_length=34, blank=True, default="", db_index=True)
    # A secret: write-only in the API and the admin, never logged.
    twilio_auth_token = EncryptedTextField(blank=True, default="")
    messaging_service_sid = models.CharField(max_length=34, blank=True, default="")
    messaging_limit = models.IntegerField(
        choices=MessagingLimit.choices,
        null=True,
        blank=True,
        default=MessagingLimit.TIER_250,
        help_text="Empty: unlimited.",
    )
    max_messages_per_second = models.PositiveIntegerField(default=80)
    suspended_reason = models.TextField(blank=True, default="")
    suspended_at = models.DateTimeField(null=True, blank=True)
    sends_held_until = models.DateTimeField(
        null=True, blank=True, help_text="After error 63018, sends wait until then."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "WhatsApp settings"
        verbose_name_plural = "WhatsApp settings"
        constraints = [
            # Inbound messages are routed by their To number: one sender, one company.
            models.UniqueConstraint(
                fields=["sender_number"],
                condition=~models.Q(sender_number=""),
                name="whatsapp_sender_number_unique",
                violation_error_message=SENDER_TAKEN,
            )
        ]

    def __str__(self) -> str:
        return f"WhatsApp for {self.company}"

    @property
    def is_usable(self) -> bool:
        return self.enabled and not self.suspended_reason


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound"
    INBOUND = "inbound", "Inbound"


class MessageStatus(models.TextChoices):
    """Outbound statuses move forward only (see whatsapp.status); failed/undelivered are final."""

    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"
    UNDELIVERED = "undelivered", "Undelivered"
    NOT_SENT = "not_sent", "Not sent"
    RECEIVED = "received", "Received"


class Message(models.Model):
    # Every status move rewrites all of this table's indexes (status is indexed, so no update is
    # HOT): only the indexes some query needs. company and person lead composites below, so their
    # foreign keys get no index of their own; the nullable foreign keys index only set values.
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="whatsapp_messages", db_index=False
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    body = models.TextField(blank=True, default="")
    template = models.ForeignKey(
        "templates_app.MessageTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    content_variables = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    error_code = models.CharField(max_length=16, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    # Unique (message_sid_unique); NULL until sent, and NULLs never collide.
    sid = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    sale_type = models.ForeignKey(
        SaleType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    media = models.JSONField(default=list, blank=True)
    profile_name = models.CharField(max_length=200, blank=True, default="")
    button_payload = models.CharField(max_length=256, blank=True, default="")
    to_number = models.CharField(max_length=32, blank=True, default="")
    from_number = models.CharField(max_length=32, blank=True, default="")
    # Where the send came from (direct, automation, campaign) and how it is being sent.
    origin = models.CharField(max_length=16, default="direct")
    business_initiated = models.BooleanField(
        default=False, help_text="A template outside a session: counts to the messaging limit."
    )
    template_edited = models.BooleanField(default=False, help_text="Sent as free text.")
    send_attempts = models.PositiveSmallIntegerField(default=0)
    # The database row is the send queue (whatsapp.services.sends_sweep, run by beat):
    # queued: not before `send_after` (held, throttled, backing off; null: at once), handed to the
    # broker at `enqueued_at` (null: not in the broker); sending: claimed at `claimed_at`, a lease
    # past which a send without a SID is reconciled with the provider.
    send_after = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    retry_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retries",
        db_index=False,
    )
    limited_by_meta = models.BooleanField(default=False, help_text="Failed with error 63049.")
    referral = models.JSONField(default=dict, blank=True, help_text="Inbound from an ad/page.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A constraint, not unique=True: that adds a second (varchar_pattern_ops) index no
            # query uses (SIDs are looked up by equality only).
            models.UniqueConstraint(fields=["sid"], name="message_sid_unique"),
        ]
        indexes = [
            models.Index(fields=["person", "-created_at"]),
            models.Index(fields=["company", "direction", "-created_at"]),
            models.Index(fields=["company", "business_initiated", "created_at"]),
            models.Index(
                fields=["send_after", "id"],
                condition=models.Q(status="queued"),
                name="message_queued",
            ),
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="sending", sid__isnull=True),
                name="message_claimed_unsent",
            ),
            # For deletes of what they refer to (SET_NULL / PROTECT); most messages have none.
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"message_{name}",
                )
                for name in ("template", "sent_by", "sale_type", "retry_of")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.status} to {self.person_id}"


class MessageNote(models.Model):
    """The history note that is about a message (its `whatsapp_sent` or `whatsapp_received` echo,
    its error): WhatsApp's link, so the core's Note knows nothing of messages. The history shows
    the message itself instead of its echo (whatsapp.page_data)."""

    note = models.OneToOneField(
        Note, primary_key=True, on_delete=models.CASCADE, related_name="message_link"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="note_links")

    def __str__(self) -> str:
        return f"note {self.note_id} → message {self.message_id}"


class Conversation(models.Model):
    """A person's WhatsApp customer-service window (session), kept by inbound messages."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="whatsapp_conversation"
    )
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    session_expires_at = models.DateTimeField(null=True, blank=True)
    opened_by_referral = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = tenant_manager()

    def __str__(self) -> str:
        return f"WhatsApp session of {self.person_id} until {self.session_expires_at}"


class WebhookEvent(models.Model):
    """A raw Twilio webhook, stored once before we answer 200 and kept; applied by a worker while
    it has a `WebhookEventPending` row. Written once: applying it deletes that narrow row instead
    of rewriting this one (a JSONB payload and its indexes) to mark it done."""

    class Kind(models.TextChoices):
        INBOUND = "inbound", "Inbound message"
        STATUS = "status", "Status callback"

    provider = models.CharField(max_length=16, default="twilio")
    event_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    company = models.ForeignKey(Company, null=True, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    # Only for the events that were postponed or failed: how often, and the last reason.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]


class WebhookEventPending(models.Model):
    """An event not applied yet (the drain's queue): stored with the event in one statement,
    deleted in the transaction that applies it, or that gives up on it."""

    # No database constraint: its check would lock the event row it was stored with, per row
    # (Django still cascades a deleted event to it).
    event = models.OneToOneField(
        WebhookEvent,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="pending",
        db_constraint=False,
    )
    available_at = models.DateTimeField(default=timezone.now)


class AuditAction(models.TextChoices):
    ENABLED = "whatsapp_enabled", "WhatsApp enabled"
    DISABLED = "whatsapp_disabled", "WhatsApp disabled"
    SETTINGS_CHANGED = "settings_changed", "Settings changed"
    SUSPENDED = "suspended", "Suspended (error 63020)"
    HELD = "held", "Sends held (error 63018)"


class WhatsAppAuditEntry(models.Model):
    """Who (or what) changed a company's WhatsApp settings, when, and the values before and after
    (a secret only as changed / not changed, never its value)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="The user's email, or what did it.")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = tenant_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "WhatsApp audit entry"
        verbose_name_plural = "WhatsApp audit trail"
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label}"
