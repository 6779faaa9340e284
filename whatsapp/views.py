"""Staff pages for WhatsApp: the New WhatsApp dialog, the history partials, opt-out, the Newsfeed.

Each view parses input, makes one call (a selector or a service) and shapes the output; the rules
live in whatsapp.services. Every page also works as a plain form post without JavaScript.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gymsales import selectors
from gymsales.errors import DomainError
from gymsales.models import Club, NoteKind
from gymsales.pages import company_staff_required
from gymsales.parsing import parse_date, parse_id
from gymsales.profile import panel_templates
from whatsapp import page_data, rules, services
from whatsapp import selectors as wa_selectors
from whatsapp.profile import dialog_context, history_context, whatsapp_state
from whatsapp.providers import ProviderError
from whatsapp.providers.media import INLINE_IMAGE_TYPES
from whatsapp.selectors import whatsapp_counts_by_sale_type


def _person(request, person_id: int):
    return selectors.person_get_for_company(company=request.user.company, pk=person_id)


# --- History ------------------------------------------------------------------------------------


@company_staff_required
def person_history(request, person_id: int):
    """The history section (filter change), an older page (`before`), or the live block (`poll`)."""
    person = _person(request, person_id)
    company = request.user.company
    filter = page_data.history_filter_name(request.GET.get("filter"))
    if request.GET.get("poll"):
        oldest = page_data.Cursor.decode(request.GET.get("oldest"))
        recent = page_data.history_recent(
            company=company, person=person, filter=filter, oldest=oldest
        )
        if request.GET.get("v") == recent.version:
            return HttpResponse(status=204)  # htmx leaves the page alone
        # Changed: the new block, and (out of band) the "Active" badge and the counters.
        context = {
            "history": recent,
            "history_filter": filter,
            "tracker": whatsapp_counts_by_sale_type(company=company, person=person),
            "profile_panels": panel_templates(),  # the mobile line is the core's, with panels
        }
        template = "whatsapp/_history_poll.html"
    else:
        before = request.GET.get("before")
        context = history_context(company=company, person=person, filter=filter, before=before)
        template = "whatsapp/_history_older.html" if before else "whatsapp/_history.html"
    context.update(person=person, whatsapp=whatsapp_state(company=company, person=person))
    return render(request, template, context)


@company_staff_required
@require_GET
def whatsapp_media(request, person_id: int, message_id: int, index: int):
    """An inbound message's media, fetched from Twilio with the company's credentials. Served
    from our origin, so it can never run there: raster images inline, anything else a download,
    no sniffing, and a sandbox."""
    person = _person(request, person_id)
    try:
        media = wa_selectors.message_media_content(
            company=request.user.company, person=person, message_id=message_id, index=index
        )
    except ProviderError:
        return HttpResponse(
            "The media could not be fetched from Twilio.", status=502, content_type="text/plain"
        )
    inline = media.content_type in INLINE_IMAGE_TYPES
    response = HttpResponse(
        media.content, content_type=media.content_type if inline else "application/octet-stream"
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="whatsapp-{message_id}-{index}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- New WhatsApp ---------------------------------------------------------------------------


@company_staff_required
@require_http_methods(["GET", "POST"])
def whatsapp_new(request, person_id: int):
    """GET: the New WhatsApp dialog (partial for htmx, a page without JS). POST: send."""
    person = _person(request, person_id)
    data = request.POST if request.method == "POST" else request.GET
    context = dialog_context(
        company=request.user.company,
        person=person,
        mode=data.get("mode", "text" if data.get("reply_to") else "template"),
        template_id=data.get("template"),
        body=data.get("body") if "body" in data and request.method == "POST" else None,
        sale_type_id=data.get("sale_type"),
        reply_to_id=data.get("reply_to"),
    )
    if request.method == "POST":
        error = _send(request, person, context)
        if error is None:
            return _sent(request, person)
        context["error"] = error
    template = "whatsapp/_whatsapp_dialog.html" if request.htmx else "whatsapp/whatsapp_new.html"
    status = 422 if context.get("error") and not request.htmx else 200
    return render(request, template, context, status=status)


def _send(request, person, context) -> str | None:
    """Call the messaging service; return the refusal in plain words, or None when queued."""
    sale_type = next((s for s in context["sale_types"] if s.pk == context["sale_type_id"]), None)
    body = (request.POST.get("body") or "").replace("\r\n", "\n")
    kwargs = {"person": person, "user": request.user, "sale_type": sale_type}
    if context["mode"] == "text":
        kwargs["body"] = body
    else:
        if context["template"] is None:
            return "Choose a template to send."
        kwargs["template"] = context["template"]
        edited = rules.template_edited(body=body, rendered_text=context["body_text"])
        if context["body_editable"] and edited:
            kwargs["body"] = body
    try:
        services.message_send(**kwargs)
    except DomainError as error:
        return error.message
    return None


def _sent(request, person):
    text = f"WhatsApp to {person.full_name} queued."
    if request.htmx:
        response = render(request, "whatsapp/_whatsapp_sent.html", {"text": text})
        response["HX-Trigger"] = "whatsapp-sent"
        return response
    messages.success(request, text)
    return redirect("person-profile", person.pk)


# --- Opt-out ----------------------------------------------------------------------------------


@company_staff_required
@require_POST
def whatsapp_opt_out(request, person_id: int):
    person = _person(request, person_id)
    try:
        services.person_whatsapp_opt_out(person=person, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{person.full_name} is opted out of WhatsApp.")
    return redirect("person-profile", person.pk)


# --- Newsfeed ---------------------------------------------------------------------------------


@company_staff_required
def newsfeed(request):
    company = request.user.company
    clubs = list(Club.objects.filter(company=company).order_by("name"))
    club_id = parse_id(request.GET.get("club"))
    club_id = club_id if any(c.pk == club_id for c in clubs) else None
    kind = request.GET.get("kind", "")
    kind = kind if kind in NoteKind.values else ""
    date_from, date_to = parse_date(request.GET.get("from")), parse_date(request.GET.get("to"))
    notes = page_data.newsfeed_notes(
        company=company, club_id=club_id, kind=kind, date_from=date_from, date_to=date_to
    )
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "clubs": clubs,
        "kinds": NoteKind.choices,
        "club_id": club_id,
        "kind": kind,
        "date_from": date_from,
        "date_to": date_to,
        "query": query.urlencode(),
        "sent_count": page_data.whatsapp_sent_count(
            company=company, club_id=club_id, date_from=date_from, date_to=date_to
        ),
    }
    template = "whatsapp/_newsfeed_results.html" if request.htmx else "whatsapp/newsfeed.html"
    return render(request, template, context)
