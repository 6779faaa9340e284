"""Templates API (API.md "Templates"): CRUD, submit, sync, duplicate. Admins write; staff read."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from gymsales.api.base import CompanyAPIView, IsCompanyAdminOrReadOnly
from gymsales.api.fields import ModelSerializer
from gymsales.api.schema import error_response
from gymsales.errors import DomainError
from templates_app import selectors, services
from templates_app.models import MessageTemplate, TemplateCategory, TemplateStatus

# A broken rule of templates (422), for the OpenAPI description (TemplatesAppConfig.ready()).
ERROR_CODES = {
    "not_submittable": "The template cannot be submitted in its status.",
    "not_submitted": "The template was never submitted, so there is nothing to sync.",
    "template_limit_reached": "The company has the most templates allowed.",
    "twilio_error": "Twilio refused the request.",
    "timeout": "Twilio did not answer in time.",
    "error": "Twilio answered with an error.",
}


class FormFriendlyJSONField(serializers.JSONField):
    """JSON in a JSON body; in a form body the same structure arrives as a JSON string."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        return super().to_internal_value(data)


class TemplateInputSerializer(serializers.Serializer):
    """Types only: Meta's rules are checked by the service (templates_app.rules)."""

    name = serializers.CharField(max_length=1000, allow_blank=True)
    category = serializers.CharField(max_length=64, allow_blank=True)
    language = serializers.CharField(max_length=64, required=False)
    header = FormFriendlyJSONField(required=False, allow_null=True)
    body = serializers.CharField(max_length=10_000, allow_blank=True, trim_whitespace=False)
    footer = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )
    buttons = FormFriendlyJSONField(required=False, allow_null=True)
    variables = FormFriendlyJSONField(required=False, allow_null=True)
    content_sid = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True
    )
    twilio_approved = serializers.BooleanField(required=False)
    is_recontact = serializers.BooleanField(required=False)


@extend_schema_serializer(component_name="Template")
class TemplateOutputSerializer(ModelSerializer):
    category = serializers.ChoiceField(choices=TemplateCategory.choices)
    status = serializers.ChoiceField(choices=TemplateStatus.choices)
    header = serializers.JSONField(allow_null=True)
    buttons = serializers.JSONField()
    variables = serializers.JSONField()
    content_sid = serializers.CharField(allow_null=True)
    footer = serializers.CharField(allow_null=True)

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "name",
            "category",
            "language",
            "header",
            "body",
            "footer",
            "buttons",
            "variables",
            "content_sid",
            "status",
            "twilio_approved",
            "is_recontact",
            "rejection_reason",
            "created_at",
            "updated_at",
        ]
        blank_as_null = ["footer", "content_sid", "rejection_reason"]


@extend_schema_serializer(component_name="TemplateWithWarning")
class TemplateWithWarningSerializer(TemplateOutputSerializer):
    """A template after PUT/PATCH: `warning` is the text about editing a Twilio-approved template
    (null when it was not approved)."""

    warning = serializers.CharField(allow_null=True, read_only=True)

    class Meta(TemplateOutputSerializer.Meta):
        fields = [*TemplateOutputSerializer.Meta.fields, "warning"]


class TemplateFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=TemplateStatus.choices, required=False)
    category = serializers.ChoiceField(choices=TemplateCategory.choices, required=False)


def _response(template, *, code=status.HTTP_200_OK, headers=None, **extra):
    """The template; a PUT/PATCH adds `warning` (null unless the template was approved)."""
    return Response(
        {**TemplateOutputSerializer(template).data, **extra}, status=code, headers=headers
    )


def _location(template) -> dict:
    return {"Location": f"/api/v1/whatsapp/templates/{template.pk}"}


class _TemplatesAPIView(CompanyAPIView):
    permission_classes = [IsCompanyAdminOrReadOnly]
    serializer_class = TemplateOutputSerializer

    def _template(self, template_id: int) -> MessageTemplate:
        return selectors.template_get_for_company(company=self.company, pk=template_id)


class TemplatesView(_TemplatesAPIView):
    @extend_schema(
        parameters=[TemplateFilters],
        responses=TemplateOutputSerializer(many=True),
        operation_id="templatesList",
    )
    def get(self, request):
        filters = TemplateFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        templates = selectors.templates_list(company=self.company, **filters.validated_data)
        page = self.paginate_queryset(templates)
        return self.get_paginated_response(TemplateOutputSerializer(page, many=True).data)

    @extend_schema(
        request=TemplateInputSerializer,
        responses={201: TemplateOutputSerializer},
        operation_id="templatesCreate",
    )
    def post(self, request):
        serializer = TemplateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.template_create(company=self.company, data=serializer.validated_data)
        return _response(template, code=status.HTTP_201_CREATED, headers=_location(template))


class TemplateView(_TemplatesAPIView):
    @extend_schema(operation_id="templatesGet")
    def get(self, request, template_id: int):
        return _response(self._template(template_id))

    @extend_schema(
        request=TemplateInputSerializer(partial=True),
        responses={200: TemplateWithWarningSerializer},
        operation_id="templatesUpdate",
    )
    def put(self, request, template_id: int):
        template = self._template(template_id)
        serializer = TemplateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        warning = services.template_edit_warning(template)
        template = services.template_update(template=template, data=serializer.validated_data)
        return _response(template, warning=warning)

    @extend_schema(
        request=TemplateInputSerializer(partial=True),
        responses={200: TemplateWithWarningSerializer},
        operation_id="templatesPatch",
    )
    def patch(self, request, template_id: int):
        return self.put(request, template_id)

    @extend_schema(
        operation_id="templatesDelete",
        responses={
            204: None,
            409: error_response("The template is used by a campaign (`template_in_use`)."),
        },
    )
    def delete(self, request, template_id: int):
        try:
            services.template_delete(template=self._template(template_id))
        except DomainError as exc:
            return Response(
                {"errors": exc.as_errors(), "code": exc.code}, status=status.HTTP_409_CONFLICT
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateSubmitView(_TemplatesAPIView):
    @extend_schema(request=None, operation_id="templatesSubmit")
    def post(self, request, template_id: int):
        return _response(services.template_submit(template=self._template(template_id)))


class TemplateSyncView(_TemplatesAPIView):
    @extend_schema(request=None, operation_id="templatesSync")
    def post(self, request, template_id: int):
        return _response(services.template_sync(template=self._template(template_id)))


class DuplicateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class TemplateDuplicateView(_TemplatesAPIView):
    @extend_schema(
        request=DuplicateInputSerializer,
        responses={201: TemplateOutputSerializer},
        operation_id="templatesDuplicate",
    )
    def post(self, request, template_id: int):
        template = self._template(template_id)
        serializer = DuplicateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        copy = services.template_duplicate(
            template=template, name=serializer.validated_data.get("name", "")
        )
        return _response(copy, code=status.HTTP_201_CREATED, headers=_location(copy))
