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
from gymsales.services import person_create, person_set_opt_out
from gymsales.tenancy import company_scope
from whatsapp import rules
from whatsapp.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    WhatsAppSettings,
)
from whatsapp.providers.events import InboundEvent
from whatsapp.providers.media import media_url_kept
from whatsapp.services import hooks
from whatsapp.services.notes import note_create

logger = logging.getLogger(__name__)


def inbound_record(*, event: InboundEvent, received_at: datetime | None = None) -> Message | None:
    """An inbound WhatsApp message: find the company (its sender is the event's `to_number` and its
    account the signing one) and the person (the writer's number, else a new lead), store it,
    open/extend the session, handle STOP/START, note it on the history.
    """
    received_at = received_at or timezone.now()
    sender = event.to_number
    settings = WhatsAppSettings.objects.filter(
        sender_number=sender, twilio_account_sid=event.account
    ).first()
    if not sender or settings is None:
        logger.warning("inbound WhatsApp to %s, not a sender of its account, ignored", sender)
        return None
    company = settings.company
    with company_scope(company):
        if event.sid and Message.objects.filter(company=company, sid=event.sid).exists():
            return None
        try:
            phone = to_e164(event.from_number, default_country=company.default_country)
        except InvalidPhoneNumber:
            phone = event.from_number
        person = _person_for_inbound(company=company, phone=phone, event=event)
        if person is None:
            return None
        message = _inbound_message_create(
            event=event, company=company, person=person, phone=phone, received_at=received_at
        )
        _session_extend(person=person, received_at=received_at, referral=bool(event.referral))
        shown = message.body or event.button_text or f"{len(message.media)} attachment(s)"
        note_create(
            person=person,
            company=company,
            kind=NoteKind.WHATSAPP_RECEIVED,
            text=f"WhatsApp received from {person.full_name}: {shown}",
            message=message,
            created_at=received_at,
        )
        keyword = rules.opt_keyword(message.body)
        if keyword is not None:
            _opt_keyword_apply(company=company, phone=phone, opted_out=keyword == "stop")
        hooks.inbound_recorded(message, stop=keyword == "stop")
    return message


def _inbound_message_create(
    *, event: InboundEvent, company: Company, person: Person, phone: str, received_at: datetime
) -> Message:
    """The inbound message, under the Sale Type of the last message sent to the person."""
    last_sale_type = (
        Message.objects.filter(company=company, person=person, direction=Direction.OUTBOUND)
        .order_by("-created_at", "-id")
        .values_list("sale_type_id", flat=True)
        .first()
    )
    return Message.objects.create(
        company=company,
        person=person,
        direction=Direction.INBOUND,
        body=event.body,
        status=MessageStatus.RECEIVED,
        sid=event.sid or None,
        media=[
            {"url": media_url_kept(item.url), "content_type": item.content_type}
            for item in event.media
        ],
        profile_name=event.profile_name[:200],
        button_payload=event.button_payload[:256],
        to_number=event.to_number,
        from_number=phone,
        referral=dict(event.referral),
        sale_type_id=last_sale_type,
        created_at=received_at,
    )


def _session_extend(*, person: Person, received_at: datetime, referral: bool) -> None:
    """An inbound message opens (or extends) the session: 24 h, 72 h from an ad (SPEC §3)."""
    conversation, _ = Conversation.objects.select_for_update().get_or_create(
        company_id=person.company_id, person=person
    )
    conversation.session_expires_at = rules.session_expiry_after_inbound(
        current_expires_at=conversation.session_expires_at,
        received_at=received_at,
        referral=referral,
    )
    conversation.last_inbound_at = max(filter(None, [conversation.last_inbound_at, received_at]))
    conversation.opened_by_referral = conversation.opened_by_referral or referral
    conversation.save()


def _opt_keyword_apply(*, company: Company, phone: str, opted_out: bool) -> None:
    """STOP / START from a number: every person of the company with that mobile number."""
    for person in Person.objects.filter(company=company, phone_mobile=phone).order_by("id"):
        person_set_opt_out(
            person=person,
            channel=ConsentChannel.WHATSAPP,
            opted_out=opted_out,
            source=ConsentSource.KEYWORD,
        )


def _person_for_inbound(*, company: Company, phone: str, event: InboundEvent) -> Person | None:
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
        return people.first() or _lead_from_whatsapp(company=company, phone=phone, event=event)


def _lead_from_whatsapp(*, company: Company, phone: str, event: InboundEvent) -> Person | None:
    profile = event.profile_name.strip()
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
