"""Bulk WhatsApp report API (API.md "Reports"): campaigns with their buckets, and each bucket's people."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from gymsales.api.people import PersonOutputSerializer, people_data
from gymsales.errors import FieldErrors
from reporting import bulk, csv_export
from reporting.api import FILTER_PARAMETERS, PAGE_PARAMETERS, ReportAPIView, csv_or
from reporting.counters import without_jit


class BulkWhatsAppRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    template_id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    attempted = serializers.IntegerField()
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    replied = serializers.IntegerField()
    opted_out = serializers.IntegerField()
    limited_by_meta = serializers.IntegerField()
    failed = serializers.IntegerField()
    sales_won_30d = serializers.IntegerField()
    appointments_booked_30d = serializers.IntegerField()


class BulkWhatsAppView(ReportAPIView):
    serializer_class = BulkWhatsAppRowSerializer

    @extend_schema(
        parameters=FILTER_PARAMETERS + PAGE_PARAMETERS,
        responses=csv_or(BulkWhatsAppRowSerializer(many=True)),
        operation_id="reportsBulkWhatsApp",
    )
    def get(self, request):
        filters = self.filters()
        if self.wants_csv:
            return csv_export.bulk_whatsapp_csv(filters)
        page = self.paginate_queryset(bulk.campaigns(filters))
        data = BulkWhatsAppRowSerializer(bulk.rows(filters, page), many=True).data
        return self.get_paginated_response(data)


def bucket_param(params, name: str, *, required: bool) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        if required:
            raise FieldErrors({name: ["This field is required."]})
        return None
    if value not in bulk.BUCKET_KEYS:
        raise FieldErrors({name: [f"Must be one of: {', '.join(bulk.BUCKET_KEYS)}."]})
    return value


BUCKET_PARAMETERS = [
    OpenApiParameter("bucket", OpenApiTypes.STR, enum=bulk.BUCKET_KEYS, required=True),
    OpenApiParameter(
        "without",
        OpenApiTypes.STR,
        enum=bulk.BUCKET_KEYS,
        description="Leave out another bucket's people (read without replied: read, no reply).",
    ),
    OpenApiParameter("club_id", OpenApiTypes.INT),
    OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
]


class BulkWhatsAppPeopleView(ReportAPIView):
    serializer_class = PersonOutputSerializer

    @extend_schema(
        parameters=BUCKET_PARAMETERS + PAGE_PARAMETERS,
        responses=csv_or(PersonOutputSerializer(many=True)),
        operation_id="reportsBulkWhatsAppPeople",
    )
    def get(self, request, campaign_id: int):
        filters = self.filters()
        campaign = bulk.campaign_get(filters, campaign_id)
        bucket = bucket_param(request.query_params, "bucket", required=True)
        without = bucket_param(request.query_params, "without", required=False)
        people = bulk.bucket_people(filters, campaign, bucket, without)
        if self.wants_csv:
            return csv_export.people_csv(
                people,
                filename=f"campaign-{campaign.pk}-{bucket}{'-without-' + without if without else ''}.csv",
            )
        with without_jit():  # the bucket's EXISTS probes, as for the counts
            page = self.paginate_queryset(people)
        return self.get_paginated_response(people_data(page, {"company": self.company}))
