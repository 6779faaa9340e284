"""WhatsApp's panel of the Client Profile page and its New WhatsApp dialog, in a fixed number of
queries.

The history is read a page at a time (whatsapp.page_data), so the profile costs the same number of
queries with one message or ten thousand. `PANEL` is registered with the core's page in
`WhatsappConfig.ready()` (gymsales.profile).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from gymsales.errors import DomainError
from gymsales.models import Person, SaleType
from gymsales.parsing import parse_id
from gymsales.profile import ProfilePanel
from templates_app.rendering import template_render
from templates_app.selectors import templates_sendable
from whatsapp import page_data
from whatsapp.models import Message
from whatsapp.rules import MAX_BODY_LENGTH, session_is_active
from whatsapp.selectors import (
    session_expires_at,
    whatsapp_counts_by_sale_type,
    whatsapp_settings_for,
)


def whatsapp_state(*, company, person: Person) -> dict:
    """What the page may offer: `enabled` (else every WhatsApp action is hidden), the session,
    and `reason`, the plain-words reason nothing can be sent to this person right now."""
    settings = whatsapp_settings_for(company=company)
    # The session alone: the message counts of `whatsapp_summaries` are the tracker's business.
    expires_at = session_expires_at(person=person)
    active = session_is_active(expires_at=expires_at, now=timezone.now())
    reason = ""
    if settings.suspended_reason:
        reason = f"WhatsApp is suspended for your company: {settings.suspended_reason}"
    elif person.whatsapp_opted_out:
        reason = f"{person.full_name} has opted out of WhatsApp."
    elif not person.phone_mobile:
        reason = f"{person.full_name} has no valid mobile number, so no WhatsApp can be sent."
    return {
        "session_active": active,
        "session_expires_at": expires_at if active else None,
        "enabled": settings.enabled,
        "reason": reason,
        "can_send": settings.enabled and not reason,
    }


def history_context(
    *, company, person: Person, filter: str = "all", before: str | None = None
) -> dict:
    filter = page_data.history_filter_name(filter)
    cursor = page_data.Cursor.decode(before)
    page = page_data.history_page(company=company, person=person, filter=filter, before=cursor)
    return {
        "history": page,
        "history_filter": filter,
        "history_filters": page_data.HISTORY_FILTERS,
        "history_is_first_page": cursor is None,
    }


def panel_context(request, person: Person) -> dict:
    """`?filter=` and `?before=` (a history cursor) come from the URL: paging works without JS."""
    company = request.user.company
    filter, before = request.GET.get("filter", "all"), request.GET.get("before")
    return {
        "whatsapp": whatsapp_state(company=company, person=person),
        "tracker": whatsapp_counts_by_sale_type(company=company, person=person),
        **history_context(company=company, person=person, filter=filter, before=before),
    }


def dialog_context(
    *,
    company,
    person: Person,
    mode: str = "template",
    template_id=None,
    body: str | None = None,
    sale_type_id=None,
    reply_to_id=None,
) -> dict:
    """The New WhatsApp dialog: inactive session → template only, read-only preview;
    active → a template (editable) or free text."""
    state = whatsapp_state(company=company, person=person)
    active = state["session_active"]
    mode = "text" if (active and mode == "text") else "template"
    templates: QuerySet = templates_sendable(company=company)
    template = _chosen(templates, template_id)
    preview, body_text, preview_error = "", "", ""
    if template is not None:
        try:
            rendered = template_render(template=template, person=person)
            preview, body_text = rendered.preview, rendered.text
        except DomainError as error:
            preview_error = error.message
    sale_types = list(SaleType.objects.order_by("id"))
    reply_to = None
    if parse_id(reply_to_id):
        reply_to = Message.objects.filter(
            company=company, person=person, pk=parse_id(reply_to_id)
        ).first()
    return {
        "reply_to": reply_to,
        "person": person,
        "whatsapp": state,
        "mode": mode,
        "templates": list(templates),
        "template": template,
        "preview": preview,  # as WhatsApp shows it: header, body, footer, buttons
        "body_text": body_text,  # the body alone: what staff may edit inside a session
        "preview_error": preview_error,
        "body": body if body is not None else (body_text if active else preview),
        "body_editable": active,
        "sale_types": sale_types,
        "sale_type_id": parse_id(sale_type_id) or (sale_types[0].pk if sale_types else None),
        "max_body": MAX_BODY_LENGTH,
    }


def _chosen(templates: QuerySet, template_id):
    pk = parse_id(template_id)
    return templates.filter(pk=pk).first() if pk else None


PANEL = ProfilePanel(
    name="whatsapp",
    context=panel_context,
    templates={
        "actions": "whatsapp/_profile_actions.html",
        "mobile": "whatsapp/_mobile_line.html",
        "side": "whatsapp/_activity_tracker.html",
        "main": "whatsapp/_history.html",
        "end": "whatsapp/_profile_dialog.html",
    },
)
