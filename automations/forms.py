"""The Automated Item form of Company Settings."""

from __future__ import annotations

from django import forms

from automations.models import AVAILABLE_KINDS, AutomatedItem, AutomationKind, TriggerEvent
from gymsales.models import PersonStatus


class KindSelect(forms.Select):
    """Lists every kind; the ones not built yet are greyed out and say so."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value and value not in AVAILABLE_KINDS:
            option["attrs"]["disabled"] = True
            option["label"] = f"{label} (not yet available)"
        return option


class AutomatedItemForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(
        choices=AutomationKind.choices, initial=AutomationKind.SEND_WHATSAPP, widget=KindSelect
    )
    trigger_event = forms.ChoiceField(label="Trigger", choices=TriggerEvent.choices)
    delay_minutes = forms.IntegerField(
        label="Delay (minutes)", min_value=0, max_value=525_600, initial=0
    )
    inactive_days = forms.IntegerField(
        label="Inactive for (days)",
        min_value=1,
        max_value=3650,
        required=False,
        help_text="Lead re-engaged: days without activity before the lead comes back.",
    )
    to_status = forms.ChoiceField(
        label="To status",
        choices=[("", "Any change"), *PersonStatus.choices],
        required=False,
        help_text="Status changed: only changes to this status.",
    )
    hours_before = forms.IntegerField(
        label="Hours before",
        min_value=1,
        max_value=24 * 90,
        required=False,
        help_text="Appointment reminder: hours before the appointment starts.",
    )
    club_id = forms.TypedChoiceField(label="Club", coerce=int, required=False, empty_value=None)
    sale_type = forms.ChoiceField(
        label="Sale Type",
        choices=[
            ("", "All sale types"),
            ("membership", "Membership"),
            ("secondary", "Secondary Sales"),
        ],
        required=False,
    )
    template_id = forms.TypedChoiceField(
        label="Template Id", coerce=int, required=False, empty_value=None
    )
    active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, clubs, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["club_id"].choices = [("", "All clubs")] + [(c.pk, c.name) for c in clubs]
        # Only approved templates can be picked (the service refuses any other anyway).
        self.fields["template_id"].choices = [("", "Choose an approved template")] + [
            (t.pk, f"{t.name} (#{t.pk})") for t in templates
        ]

    @classmethod
    def initial_for(cls, item: AutomatedItem) -> dict:
        return {
            "name": item.name,
            "kind": item.kind,
            "trigger_event": item.trigger_event,
            "delay_minutes": item.delay_minutes,
            "inactive_days": item.inactive_days,
            "to_status": item.to_status,
            "hours_before": item.hours_before,
            "club_id": item.club_id,
            "sale_type": item.sale_type.key if item.sale_type_id else "",
            "template_id": item.template_id,
            "active": item.active,
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["sale_type"] = data["sale_type"] or None
        return data

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
