"""Platform administration (Django superusers): companies, clubs, users.

Apps add fields to a Company (`company_field_register`) and their own endpoints under
/api/v1/companies/<id>/ (WhatsApp's settings: whatsapp/api.py).
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from gymsales import selectors, services
from gymsales.api.base import PlatformAPIView, created
from gymsales.api.fields import ExtraField, ModelSerializer, extra_fields_add, extra_values
from gymsales.models import Club, Company, Role, User
from gymsales.phones import is_valid_country

# Fields other apps add to a Company (WhatsApp's `whatsapp_enabled`), after the core's own.
COMPANY_FIELDS: list[ExtraField] = []


def company_field_register(field: ExtraField) -> None:
    """Add `field` to every Company the API answers (in the app's AppConfig.ready())."""
    if all(known.name != field.name for known in COMPANY_FIELDS):
        COMPANY_FIELDS.append(field)


class CompanySerializer(ModelSerializer):
    # An IANA time zone name (e.g. Europe/London): a string, not an enum of 600 zones.
    time_zone = serializers.CharField()

    class Meta:
        model = Company
        fields = ["id", "name", "time_zone", "default_country"]

    def get_fields(self):
        return extra_fields_add(super().get_fields(), COMPANY_FIELDS)


class CompanyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")
    default_country = serializers.CharField(
        max_length=2, min_length=2, required=False, default="US"
    )

    def validate_time_zone(self, value):
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Is not a known time zone (e.g. Europe/London).")
        return value

    def validate_default_country(self, value):
        if not is_valid_country(value):
            raise serializers.ValidationError("Is not an ISO 3166 country code (e.g. US, GB).")
        return value.upper()


class ClubSerializer(ModelSerializer):
    class Meta:
        model = Club
        fields = ["id", "name"]
        extra_kwargs = {"name": {"max_length": 200}}


@extend_schema_serializer(component_name="User")
class UserOutputSerializer(ModelSerializer):
    club_id = serializers.IntegerField(allow_null=True)
    company_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "club_id", "company_id"]


class UserInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        min_length=8, max_length=128, write_only=True, trim_whitespace=False
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices)
    club_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate_password(self, value):
        # The project's AUTH_PASSWORD_VALIDATORS (length, common passwords).
        try:
            password_validation.validate_password(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from None
        return value


class CompaniesView(PlatformAPIView):
    serializer_class = CompanySerializer

    @extend_schema(responses=CompanySerializer(many=True), operation_id="companiesList")
    def get(self, request):
        page = self.paginate_queryset(Company.objects.order_by("id"))
        context = extra_values(COMPANY_FIELDS, page, {})
        return self.get_paginated_response(CompanySerializer(page, many=True, context=context).data)

    @extend_schema(
        request=CompanyInputSerializer,
        responses={201: CompanySerializer},
        operation_id="companiesCreate",
    )
    def post(self, request):
        serializer = CompanyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.company_create(**serializer.validated_data)
        return created(CompanySerializer(company).data, location=f"/api/v1/companies/{company.pk}")


class CompanyView(PlatformAPIView):
    serializer_class = CompanySerializer

    @extend_schema(operation_id="companiesGet")
    def get(self, request, company_id: int):
        return Response(CompanySerializer(selectors.company_get(pk=company_id)).data)


class CompanyClubsView(PlatformAPIView):
    serializer_class = ClubSerializer

    @extend_schema(responses=ClubSerializer(many=True), operation_id="clubsList")
    def get(self, request, company_id: int):
        company = selectors.company_get(pk=company_id)
        page = self.paginate_queryset(Club.objects.filter(company=company).order_by("id"))
        return self.get_paginated_response(ClubSerializer(page, many=True).data)

    @extend_schema(
        request=ClubSerializer, responses={201: ClubSerializer}, operation_id="clubsCreate"
    )
    def post(self, request, company_id: int):
        company = selectors.company_get(pk=company_id)
        serializer = ClubSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        club = services.club_create(company=company, name=serializer.validated_data["name"])
        return created(
            ClubSerializer(club).data, location=f"/api/v1/companies/{company.pk}/clubs/{club.pk}"
        )


class CompanyUsersView(PlatformAPIView):
    serializer_class = UserOutputSerializer

    @extend_schema(responses=UserOutputSerializer(many=True), operation_id="usersList")
    def get(self, request, company_id: int):
        company = selectors.company_get(pk=company_id)
        page = self.paginate_queryset(User.objects.filter(company=company).order_by("id"))
        return self.get_paginated_response(UserOutputSerializer(page, many=True).data)

    @extend_schema(
        request=UserInputSerializer,
        responses={201: UserOutputSerializer},
        operation_id="usersCreate",
    )
    def post(self, request, company_id: int):
        company = selectors.company_get(pk=company_id)
        serializer = UserInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.company_user_create(company=company, **serializer.validated_data)
        return created(
            UserOutputSerializer(user).data,
            location=f"/api/v1/companies/{company.pk}/users/{user.pk}",
        )
