"""WhatsApp API (API.md "WhatsApp"): a person's messages, sending, notes, opt-out, newsfeed; the
platform admins' WhatsApp settings and audit trail of a company; the `whatsapp` block of a Person
and the `whatsapp_enabled` of a Company (registered with the core's API in WhatsappConfig.ready()).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from gymsales import selectors as crm_selectors
from gymsales.api.base import CompanyAPIView, PlatformAPIView
from gymsales.api.fields import DateTimeField, ExtraField, ModelSerializer
from gymsales.api.schema import error_response
from gymsales.errors import DomainError
from gymsales.models import Note, NoteKind, SaleTypeKey
from templates_app.selectors import template_get_for_company
from whatsapp import rules, selectors, services
from whatsapp.models import Message, MessagingLimit, WhatsAppAuditEntry, WhatsAppSettings
from whatsapp.rules import MAX_BODY_LENGTH

# The error codes of a refused send (422), for the OpenAPI description (WhatsappConfig.ready()).
ERROR_CODES = {
    "whatsapp_disabled": "WhatsApp is not enabled for the company (or is suspended).",
    "opted_out": "The person opted out of WhatsApp.",
    "no_mobile": "The person has no mobile number.",
    "mobile_changed": "The person's mobile number changed after the message was queued.",
    "session_inactive": "Free text (or an edited template) outside the 24-hour session.",
    "template_not_approved": "The template is not approved for sending.",
    "template_not_found": "No such template in the company.",
    "too_long": f"The message is over {MAX_BODY_LENGTH} characters.",
    "empty": "The message is empty.",
    "limit_reached": "The company's messaging limit for the period is reached.",
    "marketing_limit": "The person received the most marketing templates allowed.",
    "missing_variable": "A template variable has no value for this person.",
}


class MessageSerializer(ModelSerializer):
    template_id = serializers.IntegerField(allow_null=True)
    sent_by_id = serializers.IntegerField(allow_null=True)
    error_code = serializers.SerializerMethodField()
    error_message = serializers.SerializerMethodField()
    sale_type = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "body",
            "template_id",
            "status",
            "error_code",
            "error_message",
            "sid",
            "sent_by_id",
            "sale_type",
            "media",
            "created_at",
        ]

    def get_error_code(self, message) -> str | None:
        return message.error_code or None

    def get_error_message(self, message) -> str | None:
        return message.error_message or None

    def get_sale_type(self, message) -> str | None:
        return message.sale_type.key if message.sale_type_id else None


class SendSerializer(serializers.Serializer):
    template_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    variables = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=rules.MAX_BODY_LENGTH),
        required=False,
        allow_empty=True,
    )
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    sale_type = serializers.ChoiceField(
        choices=SaleTypeKey.choices, required=False, allow_null=True
    )

    def validate(self, attrs):
        if not attrs.get("template_id") and not (attrs.get("body") or "").strip():
            raise serializers.ValidationError({"body": ["Give a template_id or a body."]})
        return attrs


SEND_EXAMPLES = [
    OpenApiExample(
        "An approved template",
        request_only=True,
        description="Any time, session or not: the template's variables filled in.",
        value={"template_id": 3, "variables": {"1": "Eve"}, "sale_type": "membership"},
    ),
    OpenApiExample(
        "Free text",
        request_only=True,
        description="Only within 24 hours of the person's last message (the session).",
        value={"body": "Thanks Eve, see you at 6pm!"},
    ),
    OpenApiExample(
        "Queued",
        response_only=True,
        status_codes=["202"],
        value={
            "id": 981,
            "direction": "outbound",
            "body": "Hi Eve, welcome to the club!",
            "template_id": 3,
            "status": "queued",
            "error_code": None,
            "error_message": None,
            "sid": None,
            "sent_by_id": 3,
            "sale_type": "membership",
            "media": [],
            "created_at": "2026-03-01T10:00:00-05:00",
        },
    ),
    OpenApiExample(
        "Refused: opted out",
        response_only=True,
        status_codes=["422"],
        value={
            "errors": {"base": ["This person has opted out of WhatsApp messages."]},
            "code": "opted_out",
        },
    ),
]


class OptOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    whatsapp_opted_out = serializers.BooleanField()


class NoteSerializer(ModelSerializer):
    # WhatsApp's link (MessageNote): read with the note (`_with_message`).
    message_id = serializers.IntegerField(source="message_link.message_id", allow_null=True)
    person_id = serializers.IntegerField(allow_null=True)
    club_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "kind", "text", "created_at", "message_id", "person_id", "club_id"]


def _with_message(notes):
    return notes.select_related("message_link")


class NoteFilters(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoteKind.choices, required=False)
    club_id = serializers.IntegerField(min_value=1, required=False)
    since = DateTimeField(required=False)


class PersonMessagesView(CompanyAPIView):
    serializer_class = MessageSerializer

    @extend_schema(responses=MessageSerializer(many=True), operation_id="whatsappMessagesList")
    def get(self, request, person_id: int):
        person = crm_selectors.person_get_for_company(company=self.company, pk=person_id)
        page = self.paginate_queryset(
            selectors.messages_for_person(company=self.company, person=person)
        )
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        request=SendSerializer,
        responses={
            202: MessageSerializer,
            422: error_response(
                "Invalid input by field, or a refusal with its `code`: `whatsapp_disabled`, "
                "`opted_out`, `no_mobile`, `session_inactive`, `template_not_approved`, "
                "`template_not_found`, `too_long`, `empty`, `limit_reached`, `marketing_limit`, "
                "`missing_variable`."
            ),
        },
        operation_id="whatsappMessageSend",
        examples=SEND_EXAMPLES,
    )
    def post(self, request, person_id: int):
        """Send a template (`template_id`, `variables`) or free text (`body`): 202 with the
        message queued; its status then moves on (sent, delivered, read, or failed with
        `error_code`). A refusal is a 422 with its `code`.
        """
        person = crm_selectors.person_get_for_company(company=self.company, pk=person_id)
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        template = None
        if values.get("template_id"):
            try:
                template = template_get_for_company(company=self.company, pk=values["template_id"])
            except Http404:  # a foreign or missing template is an error about that field
                raise DomainError(
                    "No such template.", code="template_not_found", field="template_id"
                ) from None
        message = services.message_send(
            person=person,
            user=request.user,
            body=values.get("body"),
            template=template,
            variables=values.get("variables"),
            sale_type=values.get("sale_type"),
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class PersonNotesView(CompanyAPIView):
    serializer_class = NoteSerializer

    @extend_schema(
        parameters=[NoteFilters],
        responses=NoteSerializer(many=True),
        operation_id="personNotesList",
    )
    def get(self, request, person_id: int):
        person = crm_selectors.person_get_for_company(company=self.company, pk=person_id)
        filters = NoteFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        notes = crm_selectors.notes_list(
            company=self.company, person=person, **filters.validated_data
        )
        page = self.paginate_queryset(_with_message(notes))
        return self.get_paginated_response(NoteSerializer(page, many=True).data)


class PersonOptOutView(CompanyAPIView):
    serializer_class = OptOutSerializer

    @extend_schema(request=None, responses={200: OptOutSerializer}, operation_id="whatsappOptOut")
    def post(self, request, person_id: int):
        """Staff opt-out (the profile's Opt-Out link); opting back in is only through
        peopleUpdate with `whatsapp_opted_out: false`.
        """
        person = crm_selectors.person_get_for_company(company=self.company, pk=person_id)
        services.person_whatsapp_opt_out(person=person, user=request.user)
        return Response({"id": person.pk, "whatsapp_opted_out": True})


class NewsfeedView(CompanyAPIView):
    serializer_class = NoteSerializer

    @extend_schema(
        parameters=[NoteFilters],
        responses=NoteSerializer(many=True),
        operation_id="newsfeedList",
    )
    def get(self, request):
        filters = NoteFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            _with_message(crm_selectors.notes_list(company=self.company, **filters.validated_data))
        )
        return self.get_paginated_response(NoteSerializer(page, many=True).data)


class AuditEntrySerializer(ModelSerializer):
    actor_id = serializers.IntegerField(allow_null=True)
    actor = serializers.CharField(source="actor_label")
    changes = serializers.JSONField()

    class Meta:
        model = WhatsAppAuditEntry
        fields = ["id", "action", "actor_id", "actor", "changes", "created_at"]


class CompanyWhatsAppAuditView(PlatformAPIView):
    """A company's WhatsApp audit trail, newest first (platform admins, as the rest of
    /companies/; only that company's entries)."""

    serializer_class = AuditEntrySerializer

    @extend_schema(responses=AuditEntrySerializer(many=True), operation_id="whatsappAuditList")
    def get(self, request, company_id: int):
        company = crm_selectors.company_get(pk=company_id)
        page = self.paginate_queryset(selectors.whatsapp_audit_list(company=company))
        return self.get_paginated_response(AuditEntrySerializer(page, many=True).data)


# --- Platform: a company's WhatsApp settings ---------------------------------------------------


class WhatsAppSettingsSerializer(ModelSerializer):
    twilio_auth_token_set = serializers.SerializerMethodField()

    class Meta:
        model = WhatsAppSettings
        fields = [
            "enabled",
            "sender_number",
            "twilio_account_sid",
            "twilio_auth_token_set",
            "messaging_service_sid",
            "messaging_limit",
            "max_messages_per_second",
            "suspended_reason",
        ]
        blank_as_null = [
            "sender_number",
            "twilio_account_sid",
            "messaging_service_sid",
            "suspended_reason",
        ]

    def get_twilio_auth_token_set(self, settings) -> bool:
        return bool(settings.twilio_auth_token)


class WhatsAppSettingsInputSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False)
    sender_number = serializers.RegexField(
        r"^\+[1-9]\d{6,14}$",
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages={"invalid": "Must be an E.164 number such as +14155550100."},
    )
    twilio_account_sid = serializers.RegexField(
        r"^AC[0-9a-fA-F]{32}$",
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages={"invalid": "Must be a Twilio Account SID (AC followed by 32 hex digits)."},
    )
    twilio_auth_token = serializers.CharField(
        max_length=128, required=False, allow_blank=True, allow_null=True, write_only=True
    )
    messaging_service_sid = serializers.RegexField(
        r"^MG[0-9a-fA-F]{32}$",
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages={
            "invalid": "Must be a Messaging Service SID (MG followed by 32 hex digits)."
        },
    )
    messaging_limit = serializers.ChoiceField(
        choices=MessagingLimit.values,
        required=False,
        allow_null=True,
        error_messages={"invalid_choice": "Must be 250, 2000, 10000, 100000 or null (unlimited)."},
    )
    max_messages_per_second = serializers.IntegerField(min_value=1, max_value=1000, required=False)

    def validate(self, attrs):
        text_fields = (
            "sender_number",
            "twilio_account_sid",
            "twilio_auth_token",
            "messaging_service_sid",
        )
        return {
            key: ("" if value is None and key in text_fields else value)
            for key, value in attrs.items()
        }


class CompanyWhatsAppView(PlatformAPIView):
    serializer_class = WhatsAppSettingsSerializer

    @extend_schema(operation_id="whatsappSettingsGet")
    def get(self, request, company_id: int):
        company = crm_selectors.company_get(pk=company_id)
        return Response(
            WhatsAppSettingsSerializer(selectors.whatsapp_settings_for(company=company)).data
        )

    @extend_schema(
        request=WhatsAppSettingsInputSerializer,
        responses={200: WhatsAppSettingsSerializer},
        operation_id="whatsappSettingsUpdate",
    )
    def put(self, request, company_id: int):
        company = crm_selectors.company_get(pk=company_id)
        serializer = WhatsAppSettingsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        settings = services.whatsapp_settings_update(
            company=company, data=serializer.validated_data, actor=request.user
        )
        return Response(WhatsAppSettingsSerializer(settings).data)

    @extend_schema(
        request=WhatsAppSettingsInputSerializer,
        responses={200: WhatsAppSettingsSerializer},
        operation_id="whatsappSettingsPatch",
    )
    def patch(self, request, company_id: int):
        return self.put(request, company_id)


# --- Fields of the core's resources -----------------------------------------------------------


class PersonWhatsAppSerializer(serializers.Serializer):
    available = serializers.BooleanField()
    session_active = serializers.BooleanField()
    session_expires_at = DateTimeField(allow_null=True)
    sent_count = serializers.IntegerField()
    received_count = serializers.IntegerField()


def _person_summaries(people, context) -> dict:
    company = context.get("company") or people[0].company
    return selectors.whatsapp_summaries(company=company, people=people)


PERSON_FIELD = ExtraField(
    name="whatsapp", schema=PersonWhatsAppSerializer, values=_person_summaries
)
PERSON_EXAMPLE = {
    "available": True,
    "session_active": False,
    "session_expires_at": None,
    "sent_count": 0,
    "received_count": 0,
}
COMPANY_FIELD = ExtraField(
    name="whatsapp_enabled",
    schema=serializers.BooleanField(),
    values=lambda companies, context: selectors.whatsapp_enabled_by_company(companies=companies),
)
