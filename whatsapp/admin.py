from django import forms
from django.contrib import admin

from whatsapp.models import Message, WebhookEvent, WhatsAppAuditEntry, WhatsAppSettings
from whatsapp.services.audit import audit_settings_change, settings_snapshot


class WhatsAppSettingsForm(forms.ModelForm):
    # The auth token is write-only: never rendered back; left empty it keeps the stored one.
    twilio_auth_token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored token.",
    )

    class Meta:
        model = WhatsAppSettings
        fields = [
            "company",
            "enabled",
            "sender_number",
            "twilio_account_sid",
            "twilio_auth_token",
            "messaging_service_sid",
            "messaging_limit",
            "max_messages_per_second",
            "suspended_reason",
            "sends_held_until",
        ]

    def clean_twilio_auth_token(self):
        token = self.cleaned_data.get("twilio_auth_token")
        return token or (self.instance.twilio_auth_token if self.instance.pk else "")


@admin.register(WhatsAppSettings)
class WhatsAppSettingsAdmin(admin.ModelAdmin):
    form = WhatsAppSettingsForm
    list_display = ["company", "enabled", "sender_number", "messaging_limit", "suspended_reason"]
    list_filter = ["enabled"]
    readonly_fields = ["suspended_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        stored = WhatsAppSettings.objects.filter(pk=obj.pk).first() if change else None
        before = settings_snapshot(stored)
        if obj.enabled and "enabled" in form.changed_data:
            # A platform admin re-enabling WhatsApp lifts a 63020 suspension.
            obj.suspended_reason = ""
            obj.suspended_at = None
        super().save_model(request, obj, form, change)
        audit_settings_change(settings=obj, before=before, actor=request.user)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "company",
        "person",
        "direction",
        "status",
        "error_code",
        "sid",
        "created_at",
    ]
    list_filter = ["direction", "status"]
    search_fields = ["sid"]
    raw_id_fields = ["person", "template", "sent_by"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "event_id", "company", "received_at", "attempts", "last_error"]
    list_filter = ["kind"]
    readonly_fields = [field.name for field in WebhookEvent._meta.fields]


@admin.register(WhatsAppAuditEntry)
class WhatsAppAuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the actions it records, never by hand."""

    list_display = ["created_at", "company", "action", "actor_label"]
    list_filter = ["action", "company"]
    readonly_fields = ["created_at", "company", "action", "actor", "actor_label", "changes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
