"""People API: peopleCreate, peopleUpdate (PUT and PATCH), get, list with filters, search."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from gymsales import selectors, services
from gymsales.api.base import CompanyAPIView
from gymsales.api.fields import (
    DateTimeField,
    ExtraField,
    ModelSerializer,
    extra_fields_add,
    extra_values,
)
from gymsales.models import Person, PersonStatus
from gymsales.phones import InvalidPhoneNumber, to_e164

PHONE_FIELDS = ("phone_mobile", "phone_home", "phone_work")
TEXT_FIELDS = ("last_name", "email", "source_name", "whatsapp_consent_proof", *PHONE_FIELDS)


class PhoneField(serializers.CharField):
    """Any common format in; E.164 out, parsed with the company's default country."""

    def __init__(self, **kwargs):
        super().__init__(max_length=40, allow_blank=True, allow_null=True, required=False, **kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return to_e164(text, default_country=self.context["company"].default_country)
        except InvalidPhoneNumber as exc:
            raise serializers.ValidationError(str(exc)) from None


class PersonInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(
        max_length=100, allow_blank=True, allow_null=True, required=False
    )
    email = serializers.EmailField(
        max_length=254, allow_blank=True, allow_null=True, required=False
    )
    phone_mobile = PhoneField()
    phone_home = PhoneField()
    phone_work = PhoneField()
    club_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    owner_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=PersonStatus.choices, required=False)
    source_name = serializers.CharField(
        max_length=200, allow_blank=True, allow_null=True, required=False
    )
    sms_opted_out = serializers.BooleanField(required=False)
    email_opted_out = serializers.BooleanField(required=False)
    whatsapp_opted_out = serializers.BooleanField(required=False)
    whatsapp_consent_proof = serializers.CharField(
        max_length=5000, allow_blank=True, allow_null=True, required=False, write_only=True
    )

    def validate(self, attrs):
        # A null text field means "clear it"; the columns hold '' rather than NULL.
        return {
            key: ("" if value is None and key in TEXT_FIELDS else value)
            for key, value in attrs.items()
        }


PERSON_EXAMPLE = {
    "id": 42,
    "first_name": "Eve",
    "last_name": "Adams",
    "email": "eve@example.com",
    "phone_mobile": "+14155550142",
    "phone_home": None,
    "phone_work": None,
    "club_id": 1,
    "owner_id": 3,
    "status": "lead",
    "source_name": "Website",
    "sms_opted_out": False,
    "email_opted_out": False,
    "whatsapp_opted_out": False,
    "created_at": "2026-03-01T10:00:00-05:00",
    "updated_at": "2026-03-01T10:00:00-05:00",
    # ...and each registered field's example (person_field_register).
}
CREATE_EXAMPLES = [
    OpenApiExample(
        "A new lead",
        request_only=True,
        value={
            "first_name": "Eve",
            "last_name": "Adams",
            "email": "eve@example.com",
            "phone_mobile": "(415) 555-0142",
            "status": "lead",
            "source_name": "Website",
        },
    ),
    OpenApiExample(
        "The person created", response_only=True, status_codes=["201"], value=PERSON_EXAMPLE
    ),
]
UPDATE_EXAMPLES = [
    OpenApiExample(
        "Opt back in to WhatsApp",
        request_only=True,
        description="Recorded with the user and the time, with how consent was captured.",
        value={
            "whatsapp_opted_out": False,
            "whatsapp_consent_proof": "Said yes at the front desk on 2026-03-02",
        },
    ),
    OpenApiExample("Become a member", request_only=True, value={"status": "member"}),
    OpenApiExample(
        "The person updated", response_only=True, status_codes=["200"], value=PERSON_EXAMPLE
    ),
]


# Fields other apps add to a Person (WhatsApp's `whatsapp` block), after the core's own.
PERSON_FIELDS: list[ExtraField] = []


def person_field_register(field: ExtraField, *, example=None) -> None:
    """Add `field` to every Person the API answers (in the app's AppConfig.ready()); `values`
    gets (people, serializer context), whose `company` is the people's company."""
    if all(known.name != field.name for known in PERSON_FIELDS):
        PERSON_FIELDS.append(field)
    PERSON_EXAMPLE[field.name] = example


@extend_schema_serializer(component_name="Person")
class PersonOutputSerializer(ModelSerializer):
    club_id = serializers.IntegerField()
    owner_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone_mobile",
            "phone_home",
            "phone_work",
            "club_id",
            "owner_id",
            "status",
            "source_name",
            "sms_opted_out",
            "email_opted_out",
            "whatsapp_opted_out",
            "created_at",
            "updated_at",
        ]
        blank_as_null = ["last_name", "email", "source_name", *PHONE_FIELDS]

    def get_fields(self):
        return extra_fields_add(super().get_fields(), PERSON_FIELDS)


def people_data(page, context: dict) -> list:
    """A page of people as the API writes them, every registered field's values read at once;
    `context` has the `company`."""
    context = {**context, **extra_values(PERSON_FIELDS, page, context)}
    return PersonOutputSerializer(page, many=True, context=context).data


def _person_response(view, person, *, code=status.HTTP_200_OK, headers=None):
    data = PersonOutputSerializer(person, context=view.get_serializer_context()).data
    return Response(data, status=code, headers=headers)


class PeopleCollectionFilters(serializers.Serializer):
    email = serializers.CharField(required=False, max_length=254)
    phone_mobile = PhoneField()
    club_id = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=PersonStatus.choices, required=False)
    updated_since = DateTimeField(required=False)


class PeopleSearchFilters(serializers.Serializer):
    first_name = serializers.CharField(required=False, max_length=100)
    last_name = serializers.CharField(required=False, max_length=100)
    email = serializers.CharField(required=False, max_length=254)
    phone_mobile = serializers.CharField(required=False, max_length=40)


class _PeopleAPIView(CompanyAPIView):
    serializer_class = PersonOutputSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "company": self.company}

    def _paginated_people(self, people):
        page = self.paginate_queryset(people)
        return self.get_paginated_response(people_data(page, self.get_serializer_context()))


class PeopleView(_PeopleAPIView):
    @extend_schema(
        parameters=[PeopleCollectionFilters],
        responses=PersonOutputSerializer(many=True),
        operation_id="peopleList",
    )
    def get(self, request):
        filters = PeopleCollectionFilters(
            data=request.query_params, context={"company": self.company}
        )
        filters.is_valid(raise_exception=True)
        return self._paginated_people(
            selectors.people_list(company=self.company, **filters.validated_data)
        )

    @extend_schema(
        request=PersonInputSerializer,
        responses={201: PersonOutputSerializer},
        operation_id="peopleCreate",
        examples=CREATE_EXAMPLES,
    )
    def post(self, request):
        """peopleCreate: phones in any common format (stored E.164, parsed with the company's
        default country); `club_id` defaults to the user's club.
        """
        serializer = PersonInputSerializer(data=request.data, context={"company": self.company})
        serializer.is_valid(raise_exception=True)
        person = services.person_create(
            company=self.company, user=request.user, data=serializer.validated_data
        )
        location = f"/api/v1/people/{person.pk}"
        return _person_response(
            self, person, code=status.HTTP_201_CREATED, headers={"Location": location}
        )


class PeopleSearchView(_PeopleAPIView):
    @extend_schema(
        parameters=[PeopleSearchFilters],
        responses=PersonOutputSerializer(many=True),
        operation_id="peopleSearch",
    )
    def get(self, request):
        filters = PeopleSearchFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return self._paginated_people(
            selectors.people_search(company=self.company, **filters.validated_data)
        )


class PersonView(_PeopleAPIView):
    @extend_schema(operation_id="peopleGet")
    def get(self, request, person_id: int):
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        return _person_response(self, person)

    @extend_schema(
        request=PersonInputSerializer(partial=True),
        responses={200: PersonOutputSerializer},
        operation_id="peopleUpdate",
        examples=UPDATE_EXAMPLES,
    )
    def put(self, request, person_id: int):
        """peopleUpdate: any subset of the writable fields. `whatsapp_opted_out: false` opts the
        person back in (the only way to), recorded with `whatsapp_consent_proof`.
        """
        person = selectors.person_get_for_company(company=self.company, pk=person_id)
        serializer = PersonInputSerializer(
            data=request.data, partial=True, context={"company": self.company}
        )
        serializer.is_valid(raise_exception=True)
        person = services.person_update(
            person=person, user=request.user, data=serializer.validated_data
        )
        return _person_response(self, person)

    @extend_schema(
        request=PersonInputSerializer(partial=True),
        responses={200: PersonOutputSerializer},
        operation_id="peoplePatch",
        examples=UPDATE_EXAMPLES,
    )
    def patch(self, request, person_id: int):
        return self.put(request, person_id)
