"""Sending, the request side: check SPEC §3's rules, record the message, enqueue its delivery."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from gymsales.errors import DomainError, FieldErrors
from gymsales.models import (
    ConsentChannel,
    ConsentSource,
    NoteKind,
    Person,
    SaleType,
    User,
)
from gymsales.services import person_set_opt_out, sale_type_get
from whatsapp import rules, selectors
from whatsapp.models import (
    Direction,
    Message,
    MessageStatus,
    WhatsAppSettings,
)
from whatsapp.services.notes import note_create
from whatsapp.services.queue import MESSAGE_DELIVER, enqueue

logger = logging.getLogger(__name__)


# --- Sending: the request side ----------------------------------------------------------------


def _sale_type(sale_type) -> SaleType | None:
    if sale_type is None or isinstance(sale_type, SaleType):
        return sale_type
    key = str(sale_type)
    found = sale_type_get(key) or SaleType.objects.filter(key=key).first()
    if found is None:
        raise FieldErrors({"sale_type": ["Must be membership or secondary."]})
    return found


def message_send(
    *,
    person: Person,
    user: User | None,
    body: str | None = None,
    template=None,
    variables: dict | None = None,
    sale_type=None,
    origin: str = "direct",
    automation_run=None,
) -> Message:
    """Check every rule of SPEC §3 (whatsapp.rules); record Message(queued) + a whatsapp_sent note
    and enqueue the send on commit. Raises DomainError with the rule's code; refusals write nothing.

    With a template, `body` (if given) is the text as edited by staff: differing from the rendered
    template makes it an edited template, sent as free text (inside a session only).
    """
    company = person.company
    settings = selectors.whatsapp_settings_for(company=company)
    now = timezone.now()
    sale_type = _sale_type(sale_type)
    if template is not None and template.company_id != company.pk:
        raise DomainError("No such template.", code="template_not_found", field="template_id")
    draft = _draft(person=person, body=body, template=template, variables=variables)
    active = rules.session_is_active(
        expires_at=selectors.session_expires_at(person=person), now=now
    )
    facts = _send_facts(settings=settings, person=person, draft=draft, active=active, now=now)
    refusal = rules.send_refusal(facts)
    if refusal is not None:
        raise DomainError(refusal.message, code=refusal.code)
    business_initiated = rules.is_business_initiated(
        is_template=facts.is_template, session_active=active
    )
    with transaction.atomic():
        if business_initiated and settings.messaging_limit is not None:
            _check_messaging_limit(settings=settings, person=person, facts=facts, now=now)
        message = _message_record(
            settings=settings,
            person=person,
            user=user,
            draft=draft,
            sale_type=sale_type,
            origin=origin,
            business_initiated=business_initiated,
            now=now,
        )
        message_enqueue(message_id=message.pk)
    return message


@dataclass(frozen=True)
class _Draft:
    """What would be sent: the text, the template (rendered when sendable), whether edited."""

    text: str
    template: Any = None
    rendered: Any = None  # templates_app.rendering's result, for a sendable template
    edited: bool = False

    @property
    def content_variables(self) -> dict:
        return self.rendered.content_variables if self.rendered and not self.edited else {}


def _draft(*, person: Person, body: str | None, template, variables: dict | None) -> _Draft:
    if template is None:
        return _Draft(text=body or "")
    rendered = None
    if template.is_sendable:
        from templates_app.rendering import template_render

        rendered = template_render(template=template, person=person, variables=variables)
    text = rendered.text if rendered else template.body
    edited = False
    if rendered is not None:
        edited = rules.template_edited(body=body, rendered_text=rendered.text)
        text = body if edited else rendered.text
    return _Draft(text=text, template=template, rendered=rendered, edited=edited)


def _send_facts(
    *, settings: WhatsAppSettings, person: Person, draft: _Draft, active: bool, now: datetime
) -> rules.SendFacts:
    template = draft.template
    marketing = template is not None and template.category == "marketing"
    return rules.SendFacts(
        whatsapp_usable=settings.is_usable,
        opted_out=person.whatsapp_opted_out,
        has_mobile=bool(person.phone_mobile),
        is_template=template is not None,
        template_sendable=bool(template is not None and template.is_sendable),
        template_marketing=marketing,
        edited=draft.edited,
        text_length=len(draft.text),
        session_active=active,
        messaging_limit=settings.messaging_limit,
        marketing_since_reply=(
            selectors.marketing_sent_since_reply(person=person, now=now) if marketing else 0
        ),
    )


def _message_record(
    *,
    settings: WhatsAppSettings,
    person: Person,
    user: User | None,
    draft: _Draft,
    sale_type: SaleType | None,
    origin: str,
    business_initiated: bool,
    now: datetime,
) -> Message:
    """The queued message and its whatsapp_sent note (inside the caller's transaction)."""
    message = Message.objects.create(
        company=person.company,
        person=person,
        direction=Direction.OUTBOUND,
        body=draft.text,
        template=draft.template,
        content_variables=draft.content_variables,
        status=MessageStatus.QUEUED,
        sent_by=user,
        sale_type=sale_type,
        to_number=person.phone_mobile,
        from_number=settings.sender_number,
        origin=origin,
        business_initiated=business_initiated,
        template_edited=draft.edited,
        created_at=now,
        enqueued_at=now,  # handed to the broker on commit; else the sweep does it
    )
    note_create(
        person=person,
        company=person.company,
        kind=NoteKind.WHATSAPP_SENT,
        text=f"WhatsApp sent to {person.full_name}: {draft.text}",
        user=user,
        message=message,
        created_at=now,
    )
    return message


def _check_messaging_limit(
    *, settings: WhatsAppSettings, person: Person, facts: rules.SendFacts, now: datetime
) -> None:
    """The unique-people limit, counted and then used under a lock on the company's settings row.

    Counting then inserting is a race: two sends to two new people at the limit would both pass.
    Locking serialises only business-initiated sends of this company, and only while it counts.
    """
    WhatsAppSettings.objects.select_for_update().filter(pk=settings.pk).values_list("pk").first()
    reached = selectors.people_reached_24h(company=person.company, now=now)
    already = reached.filter(person_id=person.pk).exists()
    counted = replace(
        facts,
        person_already_reached=already,
        people_reached_24h=0 if already else reached.count(),
    )
    refusal = rules.send_refusal(counted)
    if refusal is not None:
        raise DomainError(refusal.message, code=refusal.code)


def message_enqueue(*, message_id: int) -> None:
    """Send the message from a worker once the current transaction commits.

    The committed row is the queue: if the broker cannot take the task (Redis down), the message
    stays queued and the beat sweep (`recovery.sends_sweep`) hands it over later. Never an error
    after the commit.
    """

    def hand_over():
        try:
            enqueue(MESSAGE_DELIVER, message_id)
        except Exception:  # any broker failure: the sweep re-enqueues it
            logger.warning("message %s: could not enqueue, the sweep will send it", message_id)

    transaction.on_commit(hand_over)


def person_whatsapp_opt_out(*, person: Person, user: User | None) -> None:
    """Staff opt-out from the Client Profile (ConsentRecord + opt_out Note).

    Opting back in is only possible through peopleUpdate. Refused while WhatsApp is disabled.
    """
    settings = selectors.whatsapp_settings_for(company=person.company)
    if not settings.is_usable:
        raise DomainError("WhatsApp is not enabled for this company.", code="whatsapp_disabled")
    person_set_opt_out(
        person=person,
        channel=ConsentChannel.WHATSAPP,
        opted_out=True,
        source=ConsentSource.APP,
        user=user,
    )
