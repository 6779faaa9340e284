"""Automated Items API (API.md "Automated Items"): company admins only, reads included."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from automations import selectors, services
from automations.models import AutomatedItem, AutomationKind, AutomationRun, TriggerEvent
from gymsales.api.base import CompanyAPIView, IsCompanyAdmin, created
from gymsales.api.fields import ModelSerializer
from gymsales.errors import DomainError, FieldErrors
from gymsales.models import PersonStatus, SaleTypeKey

# The service names fields flat; the API nests them under trigger / filters.
# A broken rule of Automated Items (422), for the OpenAPI description (AutomationsConfig.ready()).
ERROR_CODES = {
    "template_required": "A send_whatsapp Automated Item needs an approved template.",
    "kind_not_available": "This kind of Automated Item is not available yet.",
    "item_inactive": "The Automated Item was deactivated.",
    "template_missing": "The Automated Item's template was deleted.",
}
ERROR_KEYS = {
    "trigger_event": "trigger.event",
    "delay_minutes": "trigger.delay_minutes",
    "inactive_days": "trigger.inactive_days",
    "to_status": "trigger.to_status",
    "hours_before": "trigger.hours_before",
    "club_id": "filters.club_id",
    "sale_type": "filters.sale_type",
}


class TriggerSerializer(serializers.Serializer):
    event = serializers.ChoiceField(choices=TriggerEvent.choices)
    delay_minutes = serializers.IntegerField(min_value=0, max_value=525_600, required=False)
    inactive_days = serializers.IntegerField(
        min_value=1, max_value=3650, required=False, allow_null=True
    )
    to_status = serializers.ChoiceField(
        choices=PersonStatus.choices, required=False, allow_null=True, allow_blank=True
    )
    hours_before = serializers.IntegerField(
        min_value=1, max_value=24 * 90, required=False, allow_null=True
    )


class FiltersSerializer(serializers.Serializer):
    club_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    sale_type = serializers.ChoiceField(
        choices=SaleTypeKey.choices, required=False, allow_null=True
    )


class AutomatedItemInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AutomationKind.choices)
    trigger = TriggerSerializer()
    filters = FiltersSerializer(required=False)
    template_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    active = serializers.BooleanField(required=False)

    def to_service_data(self) -> dict:
        data = dict(self.validated_data)
        trigger = data.pop("trigger", None) or {}
        filters = data.pop("filters", None) or {}
        if "event" in trigger:
            data["trigger_event"] = trigger.pop("event")
        if "to_status" in trigger:
            trigger["to_status"] = trigger["to_status"] or ""
        return {**data, **trigger, **filters}


@extend_schema_serializer(component_name="AutomatedItem")
class AutomatedItemOutputSerializer(ModelSerializer):
    trigger = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    template_id = serializers.IntegerField(allow_null=True)
    template_description = serializers.CharField(allow_null=True, read_only=True)

    class Meta:
        model = AutomatedItem
        fields = [
            "id",
            "name",
            "kind",
            "trigger",
            "filters",
            "template_id",
            "template_description",
            "active",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(TriggerSerializer)
    def get_trigger(self, item) -> dict:
        return {
            "event": item.trigger_event,
            "delay_minutes": item.delay_minutes,
            "inactive_days": item.inactive_days,
            "to_status": item.to_status or None,
            "hours_before": item.hours_before,
        }

    @extend_schema_field(FiltersSerializer)
    def get_filters(self, item) -> dict:
        return {
            "club_id": item.club_id,
            "sale_type": item.sale_type.key if item.sale_type_id else None,
        }


class AutomationRunSerializer(ModelSerializer):
    person_id = serializers.IntegerField()
    person_name = serializers.CharField(source="person.full_name")
    message_id = serializers.IntegerField(allow_null=True)
    message_status = serializers.CharField(source="message.status", allow_null=True, default=None)
    reason = serializers.SerializerMethodField()
    reason_code = serializers.SerializerMethodField()

    class Meta:
        model = AutomationRun
        fields = [
            "id",
            "person_id",
            "person_name",
            "event",
            "event_key",
            "due_at",
            "state",
            "reason_code",
            "reason",
            "message_id",
            "message_status",
            "created_at",
            "updated_at",
        ]

    def get_reason(self, run) -> str | None:
        return run.reason or None

    def get_reason_code(self, run) -> str | None:
        return run.reason_code or None


def _nested_errors(call):
    """Run a service call, naming its field errors as the API's nested input does."""
    try:
        return call()
    except FieldErrors as exc:
        raise FieldErrors({ERROR_KEYS.get(k, k): v for k, v in exc.errors.items()}) from None
    except DomainError as exc:
        if exc.field in ERROR_KEYS:
            raise DomainError(exc.message, code=exc.code, field=ERROR_KEYS[exc.field]) from None
        raise


class _ItemsAPIView(CompanyAPIView):
    permission_classes = [IsCompanyAdmin]
    serializer_class = AutomatedItemOutputSerializer


class AutomatedItemsView(_ItemsAPIView):
    @extend_schema(
        responses=AutomatedItemOutputSerializer(many=True), operation_id="automatedItemsList"
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.automated_items_list(company=self.company))
        return self.get_paginated_response(AutomatedItemOutputSerializer(page, many=True).data)

    @extend_schema(
        request=AutomatedItemInputSerializer,
        responses={201: AutomatedItemOutputSerializer},
        operation_id="automatedItemsCreate",
    )
    def post(self, request):
        serializer = AutomatedItemInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = _nested_errors(
            lambda: services.automated_item_create(
                company=self.company, data=serializer.to_service_data()
            )
        )
        return created(
            AutomatedItemOutputSerializer(item).data, location=f"/api/v1/automated-items/{item.pk}"
        )


class AutomatedItemView(_ItemsAPIView):
    @extend_schema(operation_id="automatedItemsGet")
    def get(self, request, item_id: int):
        item = selectors.automated_item_get_for_company(company=self.company, pk=item_id)
        return Response(AutomatedItemOutputSerializer(item).data)

    @extend_schema(
        request=AutomatedItemInputSerializer(partial=True),
        responses={200: AutomatedItemOutputSerializer},
        operation_id="automatedItemsUpdate",
    )
    def put(self, request, item_id: int):
        item = selectors.automated_item_get_for_company(company=self.company, pk=item_id)
        serializer = AutomatedItemInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        item = _nested_errors(
            lambda: services.automated_item_update(item=item, data=serializer.to_service_data())
        )
        return Response(AutomatedItemOutputSerializer(item).data)

    @extend_schema(
        request=AutomatedItemInputSerializer(partial=True),
        responses={200: AutomatedItemOutputSerializer},
        operation_id="automatedItemsPatch",
    )
    def patch(self, request, item_id: int):
        return self.put(request, item_id)

    @extend_schema(operation_id="automatedItemsDelete")
    def delete(self, request, item_id: int):
        item = selectors.automated_item_get_for_company(company=self.company, pk=item_id)
        services.automated_item_delete(item=item)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AutomatedItemRunsView(_ItemsAPIView):
    serializer_class = AutomationRunSerializer

    @extend_schema(responses=AutomationRunSerializer(many=True), operation_id="automatedItemRuns")
    def get(self, request, item_id: int):
        item = selectors.automated_item_get_for_company(company=self.company, pk=item_id)
        page = self.paginate_queryset(selectors.automation_runs_for_item(item=item))
        return self.get_paginated_response(AutomationRunSerializer(page, many=True).data)
