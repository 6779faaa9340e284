"""Bulk WhatsApp campaigns API (API.md "Bulk WhatsApp campaigns"): company admins run campaigns,
managers may read, sales users get 403, another company's campaign is a 404."""

from __future__ import annotations

import json
import re
from datetime import datetime

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from automations.campaigns import selectors, services
from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from gymsales.api import fields
from gymsales.api.base import CompanyAPIView, IsCompanyStaff, created
from gymsales.api.schema import error_response
from gymsales.errors import DomainError, FieldErrors
from gymsales.models import PersonStatus, Role, SaleTypeKey
from templates_app.rendering import PERSON_FIELDS

# Campaigns' error codes, for the OpenAPI description (AutomationsConfig.ready()); templates_app
# raises template_in_use when a campaign still uses the template (PROTECT).
ERROR_CODES = {
    "template_in_use": "409: the template is used by a campaign and cannot be deleted.",
    "invalid_state": "409: the campaign's status does not allow this action (or change).",
    "nothing_to_retry": "The campaign has no temporarily failed recipients to retry.",
}
ACTIONS = ("start", "pause", "resume", "stop", "retry-failed")


class IsAdminOrManagerReadOnly(IsCompanyStaff):
    message = "Only company admins run campaigns; managers may read them."

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in permissions.SAFE_METHODS:
            return request.user.role in (Role.ADMIN, Role.MANAGER)
        return request.user.role == Role.ADMIN


class LocalDateTimeField(fields.DateTimeField):
    """Keeps a value without an offset naive: the service reads it in the club's time zone."""

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            return value
        return super().enforce_timezone(value)


class VariableField(serializers.DictField):
    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        result = {}
        for key, mapping in data.items():
            if not re.fullmatch(r"[0-9]{1,3}", str(key)):
                raise serializers.ValidationError(f"{key!r}: variables are numbered: '1', '2', …")
            if not isinstance(mapping, dict) or len(mapping) != 1:
                raise serializers.ValidationError(
                    f"{key}: give exactly one of {{'field': …}} or {{'value': …}}."
                )
            if "field" in mapping:
                if mapping["field"] not in PERSON_FIELDS:
                    raise serializers.ValidationError(
                        f"{key}: field must be one of {', '.join(PERSON_FIELDS)}."
                    )
            elif "value" in mapping:
                value = mapping["value"]
                if not isinstance(value, str) or not value.strip() or len(value) > 1024:
                    raise serializers.ValidationError(f"{key}: value must be 1–1024 characters.")
            else:
                raise serializers.ValidationError(
                    f"{key}: give exactly one of {{'field': …}} or {{'value': …}}."
                )
            result[str(key)] = mapping
        return result


class AudienceSerializer(serializers.Serializer):
    club_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=PersonStatus.choices, required=False, allow_null=True)
    sale_type = serializers.ChoiceField(
        choices=SaleTypeKey.choices, required=False, allow_null=True
    )
    owner_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    created_after = fields.DateField(required=False, allow_null=True)
    created_before = fields.DateField(required=False, allow_null=True)
    last_contacted_before = fields.DateField(required=False, allow_null=True)
    person_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        allow_null=True,
        max_length=100_000,
    )

    def to_internal_value(self, data):
        # A misspelt filter must not widen a bulk send to everyone: unknown keys are refused.
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Not an audience filter."] for key in unknown}
                )
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "21:00"}
)
class ClockTimeField(serializers.TimeField):
    """A wall-clock time in the club's time zone, `HH:MM` (not an RFC 3339 `time`)."""

    default_error_messages = {"whole_minutes": "Give a time in whole minutes, HH:MM."}

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if result.second or result.microsecond:
            self.fail("whole_minutes")
        return result


class QuietHoursSerializer(serializers.Serializer):
    start = ClockTimeField()
    end = ClockTimeField()


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    template_id = serializers.IntegerField(min_value=1, max_value=2**62)
    variables = VariableField(required=False, allow_null=True)
    audience = AudienceSerializer(required=False, allow_null=True)
    scheduled_at = LocalDateTimeField(required=False, allow_null=True)
    quiet_hours = QuietHoursSerializer(required=False, allow_null=True)


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    replied = serializers.IntegerField()
    failed = serializers.IntegerField()
    retrying = serializers.IntegerField()
    not_sent = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    limited_by_meta = serializers.IntegerField()
    excluded = serializers.DictField(child=serializers.IntegerField())


class PreflightSerializer(serializers.Serializer):
    will_send = serializers.IntegerField()
    excluded = serializers.DictField(child=serializers.IntegerField())


def _local(value: datetime | None, tz) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


class CampaignOutputSerializer(serializers.Serializer):
    """Built by `campaign_data` (counts come from one grouped query)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    template_id = serializers.IntegerField()
    variables = serializers.DictField()
    audience = serializers.DictField()
    scheduled_at = serializers.DateTimeField(allow_null=True)
    quiet_hours = QuietHoursSerializer(allow_null=True)
    status = serializers.ChoiceField(
        choices=[c for c, _ in Campaign._meta.get_field("status").choices]
    )
    counts = CountsSerializer()
    progress = serializers.IntegerField(min_value=0, max_value=100)
    preflight = PreflightSerializer(allow_null=True)
    created_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


def campaign_data(campaign: Campaign, counts: dict | None = None) -> dict:
    counts = counts or selectors.campaign_counts(campaign=campaign)
    tz = services.campaign_time_zone(company=campaign.company, audience=campaign.audience)
    quiet = None
    if campaign.quiet_hours_start is not None and campaign.quiet_hours_end is not None:
        quiet = {
            "start": campaign.quiet_hours_start.strftime("%H:%M"),
            "end": campaign.quiet_hours_end.strftime("%H:%M"),
        }
    audience = {key: campaign.audience.get(key) for key in AudienceSerializer().fields}
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "template_id": campaign.template_id,
        "variables": campaign.variables or {},
        "audience": audience,
        "scheduled_at": _local(campaign.scheduled_at, tz),
        "quiet_hours": quiet,
        "status": campaign.status,
        "counts": counts["counts"],
        "progress": counts["progress"],
        "preflight": campaign.preflight,
        "created_by_id": campaign.created_by_id,
        "created_at": _local(campaign.created_at, tz),
        "started_at": _local(campaign.started_at, tz),
        "finished_at": _local(campaign.finished_at, tz),
    }


class RecipientSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField()
    message_id = serializers.IntegerField(allow_null=True)
    reason = serializers.SerializerMethodField()
    error_code = serializers.SerializerMethodField()

    class Meta:
        model = CampaignRecipient
        fields = [
            "person_id",
            "phone",
            "state",
            "reason",
            "message_id",
            "error_code",
            "replied_at",
            "updated_at",
        ]

    def get_reason(self, recipient) -> str | None:
        return recipient.reason or None

    def get_error_code(self, recipient) -> str | None:
        return recipient.error_code or None


def _dotted(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as API.md's `{field: [messages]}`: `audience.club_id`, the same keys
    the service uses; a nested object's own error under its name, a list item's under the list."""
    flat: dict[str, list[str]] = {}
    for key, problems in errors.items():
        name = prefix if key in ("non_field_errors", "base") or str(key).isdigit() else key
        if prefix and name != prefix:
            name = f"{prefix}.{name}"
        if isinstance(problems, dict):
            for inner, messages in _dotted(problems, name or "base").items():
                flat.setdefault(inner, []).extend(messages)
        else:
            flat.setdefault(name or "base", []).extend(str(problem) for problem in problems)
    return flat


# In a form body these arrive as JSON strings (as a template's variables do): a nested filter
# must never be dropped for its encoding, which would widen the audience to everyone.
JSON_IN_FORMS = ("variables", "audience", "quiet_hours")


def _from_form(data: QueryDict) -> dict:
    plain: dict = {key: data.get(key) for key in data}
    errors = {}
    for key in JSON_IN_FORMS:
        value = plain.get(key)
        if not isinstance(value, str):
            continue
        try:
            plain[key] = json.loads(value) if value.strip() else None
        except ValueError:
            errors[key] = ["Give a JSON object (in a form body, as a JSON string)."]
    if plain.get("scheduled_at") == "":
        plain["scheduled_at"] = None
    if errors:
        raise FieldErrors(errors)
    return plain


def _campaign_input(request, *, partial: bool = False) -> dict:
    data = _from_form(request.data) if isinstance(request.data, QueryDict) else request.data
    serializer = CampaignInputSerializer(data=data, partial=partial)
    if not serializer.is_valid():
        raise FieldErrors(_dotted(serializer.errors))
    return _service_data(serializer.validated_data)


def _service_data(validated: dict) -> dict:
    data = dict(validated)
    if "audience" in data:
        data["audience"] = {k: v for k, v in (data["audience"] or {}).items() if v is not None}
    return data


def _invalid_state(exc: DomainError) -> Response:
    return Response(
        {"errors": {"base": [exc.message]}, "code": exc.code}, status=status.HTTP_409_CONFLICT
    )


# A write the campaign's status does not allow (API.md: 409 `invalid_state`).
INVALID_STATE = error_response("The campaign's status does not allow this (`invalid_state`).")


class _CampaignAPIView(CompanyAPIView):
    permission_classes = [IsAdminOrManagerReadOnly]
    serializer_class = CampaignOutputSerializer

    def campaign(self, campaign_id) -> Campaign:
        return selectors.campaign_get_for_company(company=self.company, pk=campaign_id)


class CampaignsView(_CampaignAPIView):
    @extend_schema(operation_id="campaignsList", responses=CampaignOutputSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(selectors.campaigns_list(company=self.company))
        counts = selectors.campaigns_counts(company=self.company, campaigns=page)
        return self.get_paginated_response([campaign_data(c, counts[c.pk]) for c in page])

    @extend_schema(
        operation_id="campaignsCreate",
        request=CampaignInputSerializer,
        responses={201: CampaignOutputSerializer},
    )
    def post(self, request):
        campaign = services.campaign_create(
            company=self.company, user=request.user, data=_campaign_input(request)
        )
        return created(
            campaign_data(campaign), location=f"/api/v1/whatsapp/campaigns/{campaign.pk}"
        )


class CampaignView(_CampaignAPIView):
    @extend_schema(operation_id="campaignsGet")
    def get(self, request, campaign_id: int):
        return Response(campaign_data(self.campaign(campaign_id)))

    @extend_schema(
        operation_id="campaignsUpdate",
        request=CampaignInputSerializer,
        responses={200: CampaignOutputSerializer, 409: INVALID_STATE},
    )
    def put(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        data = _campaign_input(request, partial=True)
        try:
            campaign = services.campaign_update(campaign=campaign, data=data)
        except DomainError as exc:
            if exc.code == "invalid_state":
                return _invalid_state(exc)
            raise
        return Response(campaign_data(campaign))

    @extend_schema(
        operation_id="campaignsPatch",
        request=CampaignInputSerializer,
        responses={200: CampaignOutputSerializer, 409: INVALID_STATE},
    )
    def patch(self, request, campaign_id: int):
        return self.put(request, campaign_id)

    @extend_schema(operation_id="campaignsDelete", responses={204: None, 409: INVALID_STATE})
    def delete(self, request, campaign_id: int):
        try:
            services.campaign_delete(campaign=self.campaign(campaign_id))
        except DomainError as exc:
            if exc.code == "invalid_state":
                return _invalid_state(exc)
            raise
        return Response(status=status.HTTP_204_NO_CONTENT)


class CampaignPreflightView(_CampaignAPIView):
    @extend_schema(operation_id="campaignsPreflight", request=None, responses=PreflightSerializer)
    def post(self, request, campaign_id: int):
        return Response(services.campaign_preflight(campaign=self.campaign(campaign_id)))


class CampaignActionView(_CampaignAPIView):
    action_name = "start"

    @extend_schema(request=None, responses={202: CampaignOutputSerializer, 409: INVALID_STATE})
    def post(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        try:
            campaign = services.campaign_act(campaign=campaign, action=self.action_name)
        except DomainError as exc:
            if exc.code == "invalid_state":
                return _invalid_state(exc)
            raise
        return Response(campaign_data(campaign), status=status.HTTP_202_ACCEPTED)


class CampaignRecipientsView(_CampaignAPIView):
    serializer_class = RecipientSerializer

    @extend_schema(
        operation_id="campaignsRecipients",
        parameters=[
            OpenApiParameter("state", enum=[s for s, _ in RecipientState.choices], required=False)
        ],
    )
    def get(self, request, campaign_id: int):
        campaign = self.campaign(campaign_id)
        state = request.query_params.get("state") or None
        if state is not None and state not in RecipientState.values:
            raise serializers.ValidationError(
                {"state": [f"Must be one of {', '.join(RecipientState.values)}."]}
            )
        page = self.paginate_queryset(selectors.campaign_recipients(campaign=campaign, state=state))
        return self.get_paginated_response(RecipientSerializer(page, many=True).data)
