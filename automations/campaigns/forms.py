"""The campaign wizard's form: template, audience, variables, schedule."""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from automations.campaigns.audience import FILTER_KEYS
from gymsales.models import Club, PersonStatus, SaleTypeKey, User
from gymsales.parsing import YEAR_MAX, YEAR_MIN, year_in_range
from templates_app.rendering import PERSON_FIELDS

MAX_VARIABLES = 10
OUT_OF_RANGE = f"Must be between the years {YEAR_MIN} and {YEAR_MAX}."


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as typed, WITHOUT reading it in the active (company) time zone: the
    service reads it in the campaign's (the club's) zone, as the API does
    (services.campaign_wall_clock). A value with its own offset keeps it."""

    def to_python(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None:
                return parsed
        with timezone.override(UTC):  # other input formats: parsed naive, kept naive
            result = super().to_python(value)
        return None if result is None else timezone.make_naive(result, UTC)

    def validate(self, value):
        super().validate(value)
        if value is not None and not year_in_range(value):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")


class YearRangeDateField(forms.DateField):
    """A date the audience's SQL can compute with (the day after it included): 1900–2100."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not year_in_range(result):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return result


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    template_id = forms.TypedChoiceField(label="Template", coerce=int)
    club_id = forms.TypedChoiceField(label="Club", coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(
        label="Status", choices=[("", "Leads and members"), *PersonStatus.choices], required=False
    )
    sale_type = forms.ChoiceField(
        label="Sale Type", choices=[("", "Any"), *SaleTypeKey.choices], required=False
    )
    owner_id = forms.TypedChoiceField(label="Owner", coerce=int, required=False, empty_value=None)
    created_after = YearRangeDateField(
        label="Created on or after", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = YearRangeDateField(
        label="Created on or before", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_contacted_before = YearRangeDateField(
        label="Not contacted since",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scheduled_at = WallClockDateTimeField(
        label="Start at (club time)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: start when you press Start.",
    )
    quiet_start = forms.TimeField(
        label="Quiet hours from",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    quiet_end = forms.TimeField(
        label="Quiet hours until", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args, company, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_id"].choices = [("", "Choose an approved template")] + [
            (t.pk, f"{t.name} ({t.get_category_display()})") for t in templates
        ]
        self.fields["club_id"].choices = [("", "All clubs")] + [
            (c.pk, c.name) for c in Club.objects.filter(company=company).order_by("name")
        ]
        self.fields["owner_id"].choices = [("", "Anyone")] + [
            (u.pk, str(u)) for u in User.objects.filter(company=company).order_by("first_name")
        ]

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", "Give both ends of the quiet hours, or neither.")
        return data

    def audience(self) -> dict:
        """The filters given (valid ones only: the live count runs on a half-filled form)."""
        data = getattr(self, "cleaned_data", {}) or {}
        return {key: data[key] for key in FILTER_KEYS if data.get(key) not in (None, "")}

    def variables(self) -> dict:
        mapping = {}
        for number in range(1, MAX_VARIABLES + 1):
            field = self.data.get(f"var_{number}_field", "")
            value = (self.data.get(f"var_{number}_value", "") or "").strip()
            if field == "value" and value:
                mapping[str(number)] = {"value": value[:1024]}
            elif field in PERSON_FIELDS:
                mapping[str(number)] = {"field": field}
        return mapping

    def service_data(self) -> dict:
        data = self.cleaned_data
        quiet = None
        if data.get("quiet_start") and data.get("quiet_end"):
            quiet = {"start": data["quiet_start"], "end": data["quiet_end"]}
        return {
            "name": data["name"],
            "template_id": data["template_id"],
            "variables": self.variables(),
            "audience": self.audience(),
            # The wall-clock time typed: the service reads it in the club's time zone.
            "scheduled_at": data.get("scheduled_at"),
            "quiet_hours": quiet,
        }
