"""Inbound WhatsApp messages: routed to the company (sender and account), the person (or a new
lead), the session window, STOP/START."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gymsales.errors import FieldErrors
from gymsales.models import (
    Club,
    Company,
    ConsentChannel,
    ConsentSource,
    NoteKind,
    Person,
)
from gymsales.phones import InvalidPhoneNumber, to_e164
from gymsales.services import note_create, person_create, person_set_opt_out
from gymsales.tenancy import company_scope
from whatsapp import rules
from whatsapp.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    WhatsAppSettings,
)
from whatsapp.providers.media import media_url_kept
from whatsapp.services import hooks

logger = logging.getLogger(__name__)


def _e164(raw: str) -> str:
    text = (raw or "").strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    return text


def inbound_record(*, params: dict, received_at: datetime | None = None) -> Message | None:
    """An inbound WhatsApp message: find the company (its sender is `To` and its Twilio account the
    signing `AccountSid`) and the person (From, else a new lead), store it, open/extend the session,
    handle STOP/START, note it on the history.
    """
    received_at = received_at or timezone.now()
    sender = _e164(params.get("To", ""))
    settings = WhatsAppSettings.objects.filter(
        sender_number=sender, twilio_account_sid=params.get("AccountSid") or ""
    ).first()
    if not sender or settings is None:
        logger.warning("inbound WhatsApp to %s, not a sender of its account, ignored", sender)
        return None
    company = settings.company
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    with company_scope(company):
        if sid and Message.objects.filter(company=company, sid=sid).exists():
            return None
        try:
            phone = to_e164(_e164(params.get("From", "")), default_country=company.default_country)
        except InvalidPhoneNumber:
            phone = _e164(params.get("From", ""))
        person = _person_for_inbound(company=company, phone=phone, params=params)
        if person is None:
            return None
        media = [
            {
                "url": media_url_kept(params.get(f"MediaUrl{i}", "")),
                "content_type": params.get(f"MediaContentType{i}", ""),
            }
            for i in range(_int(params.get("NumMedia")))
        ]
        # Twilio sends ReferralNumMedia=0 with every WhatsApp message: only an ad's fields make
        # a referral (a click-to-WhatsApp entry point, which opens 72 h).
        referral = {k: v for k, v in params.items() if k.startswith("Referral") and v}
        if set(referral) <= {"ReferralNumMedia"} and referral.get("ReferralNumMedia", "0") == "0":
            referral = {}
        last_sale_type = (
            Message.objects.filter(company=company, person=person, direction=Direction.OUTBOUND)
            .order_by("-created_at", "-id")
            .values_list("sale_type_id", flat=True)
            .first()
        )
        body = params.get("Body", "") or ""
        message = Message.objects.create(
            company=company,
            person=person,
            direction=Direction.INBOUND,
            body=body,
            status=MessageStatus.RECEIVED,
            sid=sid or None,
            media=media,
            profile_name=params.get("ProfileName", "")[:200],
            button_payload=(params.get("ButtonPayload") or params.get("ButtonText") or "")[:256],
            to_number=sender,
            from_number=phone,
            referral=referral,
            sale_type_id=last_sale_type,
            created_at=received_at,
        )
        conversation, _ = Conversation.objects.select_for_update().get_or_create(
            company=company, person=person
        )
        conversation.session_expires_at = rules.session_expiry_after_inbound(
            current_expires_at=conversation.session_expires_at,
            received_at=received_at,
            referral=bool(referral),
        )
        conversation.last_inbound_at = max(
            filter(None, [conversation.last_inbound_at, received_at])
        )
        conversation.opened_by_referral = conversation.opened_by_referral or bool(referral)
        conversation.save()
        shown = body or (params.get("ButtonText") or "") or f"{len(media)} attachment(s)"
        note_create(
            person=person,
            company=company,
            kind=NoteKind.WHATSAPP_RECEIVED,
            text=f"WhatsApp received from {person.full_name}: {shown}",
            message=message,
            created_at=received_at,
        )
        keyword = rules.opt_keyword(body)
        if keyword is not None:
            _opt_keyword_apply(company=company, phone=phone, opted_out=keyword == "stop")
        hooks.inbound_recorded(message, stop=keyword == "stop")
    return message


def _opt_keyword_apply(*, company: Company, phone: str, opted_out: bool) -> None:
    """STOP / START from a number: every person of the company with that mobile number."""
    for person in Person.objects.filter(company=company, phone_mobile=phone).order_by("id"):
        person_set_opt_out(
            person=person,
            channel=ConsentChannel.WHATSAPP,
            opted_out=opted_out,
            source=ConsentSource.KEYWORD,
        )


def _int(value) -> int:
    try:
        return max(0, min(int(value or 0), 10))
    except (TypeError, ValueError):
        return 0


def _person_for_inbound(*, company: Company, phone: str, params: dict) -> Person | None:
    """The person with this mobile, else a new lead. Two first messages from one number can be
    applied at once (two workers draining): they serialise on (company, number) until the
    transaction ends, so the second finds the lead the first made instead of making another.
    """
    people = Person.objects.filter(company=company, phone_mobile=phone).order_by("id")
    person = people.first()
    if person is not None:
        return person
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"inbound-lead:{company.pk}:{phone}"],
            )
        return people.first() or _lead_from_whatsapp(company=company, phone=phone, params=params)


def _lead_from_whatsapp(*, company: Company, phone: str, params: dict) -> Person | None:
    profile = (params.get("ProfileName") or "").strip()
    first, _, last = profile.partition(" ")
    if not Club.objects.filter(company=company).exists():
        logger.warning("inbound WhatsApp for company %s without a club: no lead made", company.pk)
        return None
    try:
        return person_create(
            company=company,
            user=None,
            data={
                "first_name": (first or "WhatsApp")[:100],
                "last_name": last[:100],
                "phone_mobile": phone,
                "source_name": "WhatsApp",
            },
        )
    except (FieldErrors, IntegrityError):
        logger.exception("could not create a lead for an inbound WhatsApp message")
        return None
