"""Sales and appointments of a person: minimal CRM records automations and reports use."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from gymsales import selectors, services
from gymsales.api.base import CompanyAPIView, created
from gymsales.api.fields import DateTimeField, ModelSerializer
from gymsales.models import Appointment, Sale, SaleTypeKey


class SaleInputSerializer(serializers.Serializer):
    sale_type = serializers.ChoiceField(choices=SaleTypeKey.choices)
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False
    )
    won_at = DateTimeField(required=False, allow_null=True)


class SaleSerializer(ModelSerializer):
    person_id = serializers.IntegerField()
    sale_type = serializers.ChoiceField(choices=SaleTypeKey.choices, source="sale_type.key")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)

    class Meta:
        model = Sale
        fields = ["id", "person_id", "sale_type", "amount", "won_at", "created_at"]


class AppointmentInputSerializer(serializers.Serializer):
    starts_at = DateTimeField()
    booked_at = DateTimeField(required=False, allow_null=True)
    kind = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)


class AppointmentSerializer(ModelSerializer):
    person_id = serializers.IntegerField()

    class Meta:
        model = Appointment
        fields = ["id", "person_id", "starts_at", "booked_at", "kind", "created_at"]
        blank_as_null = ["kind"]


class PersonSalesView(CompanyAPIView):
    serializer_class = SaleSerializer

    @extend_schema(responses=SaleSerializer(many=True), operation_id="salesList")
    def get(self, request, person_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        page = self.paginate_queryset(selectors.sales_list(person=person))
        return self.get_paginated_response(SaleSerializer(page, many=True).data)

    @extend_schema(
        request=SaleInputSerializer, responses={201: SaleSerializer}, operation_id="salesCreate"
    )
    def post(self, request, person_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        serializer = SaleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sale = services.sale_create(person=person, user=request.user, **serializer.validated_data)
        return created(
            SaleSerializer(sale).data, location=f"/api/v1/people/{person.pk}/sales/{sale.pk}"
        )


class PersonSaleView(CompanyAPIView):
    serializer_class = SaleSerializer

    @extend_schema(operation_id="salesGet")
    def get(self, request, person_id: int, sale_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        sale = selectors.sale_get_for_person(person=person, pk=sale_id)
        return Response(SaleSerializer(sale).data)


class PersonAppointmentsView(CompanyAPIView):
    serializer_class = AppointmentSerializer

    @extend_schema(responses=AppointmentSerializer(many=True), operation_id="appointmentsList")
    def get(self, request, person_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        page = self.paginate_queryset(selectors.appointments_list(person=person))
        return self.get_paginated_response(AppointmentSerializer(page, many=True).data)

    @extend_schema(
        request=AppointmentInputSerializer,
        responses={201: AppointmentSerializer},
        operation_id="appointmentsCreate",
    )
    def post(self, request, person_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        serializer = AppointmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_create(
            person=person, user=request.user, **serializer.validated_data
        )
        return created(
            AppointmentSerializer(appointment).data,
            location=f"/api/v1/people/{person.pk}/appointments/{appointment.pk}",
        )


class PersonAppointmentView(CompanyAPIView):
    serializer_class = AppointmentSerializer

    @extend_schema(operation_id="appointmentsGet")
    def get(self, request, person_id: int, appointment_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        appointment = selectors.appointment_get_for_person(person=person, pk=appointment_id)
        return Response(AppointmentSerializer(appointment).data)
