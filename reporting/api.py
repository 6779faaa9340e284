"""Reports API (API.md "Reports"): managers and admins; `?format=csv` streams the same rows as CSV."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from gymsales.api.base import CompanyAPIView, IsManagerOrAdmin
from reporting import csv_export, selectors
from reporting.filters import report_filters


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` (or `Accept: text/csv`) through content negotiation; the views stream."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("Report views answer CSV with a streaming response.")


FILTER_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (company time zone)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day, inclusive."),
    OpenApiParameter("club_id", OpenApiTypes.INT),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
]
PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="1 or more (not for CSV)."),
    OpenApiParameter("per_page", OpenApiTypes.INT, description="1 to 200 (not for CSV)."),
]


def csv_or(json_schema) -> dict:
    """The responses of a report: JSON, or (`?format=csv`) a CSV text with a header line."""
    return {(200, "application/json"): json_schema, (200, "text/csv"): OpenApiTypes.STR}


class ReportAPIView(CompanyAPIView):
    permission_classes = [IsManagerOrAdmin]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @property
    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "csv"

    def filters(self):
        return report_filters(company=self.company, params=self.request.query_params)

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # an unknown ?format=
            raise ValidationError({"format": ["Must be json or csv."]}) from None

    def _answer_json(self) -> None:
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type

    def handle_exception(self, exc):
        # Errors are JSON ({"errors": ...}) even when CSV was asked for.
        self._answer_json()
        return super().handle_exception(exc)

    def options(self, request, *args, **kwargs):
        self._answer_json()
        return super().options(request, *args, **kwargs)


class ActivityDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    outbound = serializers.IntegerField()
    inbound = serializers.IntegerField()


class ActivitySerializer(serializers.Serializer):
    outbound = serializers.IntegerField()
    inbound = serializers.IntegerField()
    by_day = ActivityDaySerializer(many=True)


class UserStatisticsRowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(source="pk")
    name = serializers.SerializerMethodField()
    whatsapp_sent = serializers.IntegerField()

    def get_name(self, user) -> str:
        return selectors.user_display_name(user)


class WhatsAppActivityView(ReportAPIView):
    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=csv_or(ActivitySerializer),
        operation_id="reportsWhatsAppActivity",
    )
    def get(self, request):
        filters = self.filters()
        if self.wants_csv:
            return csv_export.activity_csv(filters)
        return Response(ActivitySerializer(selectors.whatsapp_activity(filters)).data)


class UserStatisticsView(ReportAPIView):
    serializer_class = UserStatisticsRowSerializer

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS,
        responses=csv_or(UserStatisticsRowSerializer(many=True)),
        operation_id="reportsUserStatistics",
    )
    def get(self, request):
        filters = self.filters()
        if self.wants_csv:
            return csv_export.user_statistics_csv(filters)
        users = selectors.user_statistics(filters).only("id", "first_name", "last_name", "email")
        page = self.paginate_queryset(users)
        return self.get_paginated_response(UserStatisticsRowSerializer(page, many=True).data)
