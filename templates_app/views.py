"""Company Settings › WhatsApp templates (company admins): list, editor with live validation and
preview, submit / sync / duplicate / delete."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from gymsales.errors import DomainError, FieldErrors
from gymsales.pages import company_admin_required
from gymsales.parsing import parse_id
from gymsales.selectors import people_search, person_get_for_company
from templates_app import forms, selectors, services
from templates_app.models import MessageTemplate, TemplateCategory, TemplateStatus
from templates_app.rendering import template_preview

FIELDS = ("name", "category", "language", "header", "body", "footer", "buttons", "variables")
ERROR_FIELDS = (*FIELDS, "content_sid")
PICKER_SIZE = 20


@company_admin_required
@require_GET
def template_list(request):
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    templates = selectors.templates_list(
        company=request.user.company,
        status=status if status in TemplateStatus.values else None,
        category=category if category in TemplateCategory.values else None,
    )
    return render(
        request,
        "templates_app/template_list.html",
        {
            "templates": templates,
            "status": status,
            "category": category,
            "statuses": TemplateStatus.choices,
            "categories": TemplateCategory.choices,
        },
    )


def _editor_context(request, *, template, data, errors) -> dict:
    company = request.user.company
    numbers = sorted(
        {*forms.template_variable_numbers(data["body"]), *_header_numbers(data)}, key=int
    )
    return {
        "template": template,
        "data": data,
        "errors": _all_fields(errors),
        "fields": FIELDS,
        "header": data.get("header") or {},
        "buttons_text": forms.buttons_to_text(data.get("buttons") or []),
        "variable_rows": forms.variable_rows(numbers, data.get("variables") or {}),
        "variable_numbers": ",".join(numbers),
        "person_fields": forms.person_field_choices(),
        "fixed_value": forms.FIXED_VALUE,
        "categories": TemplateCategory.choices,
        "people": people_search(company=company)[:PICKER_SIZE],
        "preview": _preview(data, person=None),
        "warning": services.template_edit_warning(template) if template else None,
    }


def _all_fields(errors: dict) -> dict:
    """Every field's errors, empty lists included, so each error slot is redrawn (or cleared)."""
    return {**{field: [] for field in (*ERROR_FIELDS, "base")}, **errors}


def _header_numbers(data) -> list[str]:
    header = data.get("header") or {}
    return forms.template_variable_numbers(header.get("text", "")) if header else []


def _preview(data: dict, *, person) -> str:
    unsaved = MessageTemplate(
        **{key: data.get(key) for key in ("header", "body", "footer", "buttons", "variables")}
    )
    unsaved.variables = unsaved.variables or {}
    try:
        return template_preview(template=unsaved, person=person).preview
    except DomainError:
        return data.get("body", "")


def _data_of(template: MessageTemplate) -> dict:
    return {
        **{key: getattr(template, key) for key in FIELDS},
        "content_sid": template.content_sid,
        "twilio_approved": template.twilio_approved,
        "is_recontact": template.is_recontact,
    }


@company_admin_required
def template_new(request):
    data = {"name": "", "category": "marketing", "language": "en", "body": "", "footer": ""}
    errors: dict = {}
    if request.method == "POST":
        data = forms.template_data_from_form(request.POST)
        try:
            template = services.template_create(company=request.user.company, data=data)
        except FieldErrors as exc:
            errors = exc.errors
        except DomainError as exc:
            errors = exc.as_errors()
        else:
            messages.success(request, f"Template “{template.name}” saved as a draft.")
            return redirect("templates-edit", template_id=template.pk)
    context = _editor_context(request, template=None, data=data, errors=errors)
    return render(
        request, "templates_app/template_form.html", context, status=422 if errors else 200
    )


@company_admin_required
def template_edit(request, template_id: int):
    template = selectors.template_get_for_company(company=request.user.company, pk=template_id)
    data, errors = _data_of(template), {}
    if request.method == "POST":
        data = forms.template_data_from_form(request.POST)
        try:
            services.template_update(template=template, data=data)
        except FieldErrors as exc:
            errors = exc.errors
        else:
            messages.success(request, "Template saved.")
            return redirect("templates-edit", template_id=template.pk)
    context = _editor_context(request, template=template, data=data, errors=errors)
    return render(
        request, "templates_app/template_form.html", context, status=422 if errors else 200
    )


@company_admin_required
@require_POST
def template_validate(request):
    """htmx: the field errors and the preview for what is typed so far (nothing is saved)."""
    company = request.user.company
    template = None
    template_id = parse_id(request.POST.get("template_id"))
    if template_id:
        template = selectors.template_get_for_company(company=company, pk=template_id)
    data = forms.template_data_from_form(request.POST)
    errors = services.template_validate(company=company, data=data, template=template)
    person = None
    preview_person_id = parse_id(request.POST.get("preview_person"))
    if preview_person_id:
        person = person_get_for_company(company=company, pk=preview_person_id)
    numbers = forms.form_variable_numbers(request.POST)
    context = {
        "error_list": [(field, errors.get(field, [])) for field in ERROR_FIELDS],
        "preview": _preview(data, person=person),
        "person": person,
        # Redraw the variable rows only when the set of variables changed, so typing in them
        # never loses focus.
        "redraw_variables": ",".join(numbers) != request.POST.get("variable_numbers", ""),
        "variable_rows": forms.variable_rows(numbers, data["variables"]),
        "variable_numbers": ",".join(numbers),
        "person_fields": forms.person_field_choices(),
        "fixed_value": forms.FIXED_VALUE,
    }
    return render(request, "templates_app/_validation.html", context)


@company_admin_required
@require_GET
def template_people(request):
    """htmx: the preview person picker's options for a search."""
    people = people_search(company=request.user.company, text=request.GET.get("person_q", ""))
    context = {"people": people[:PICKER_SIZE], "selected": request.GET.get("preview_person", "")}
    return render(request, "templates_app/_person_options.html", context)


def _action(request, template_id: int, action, success: str):
    template = selectors.template_get_for_company(company=request.user.company, pk=template_id)
    try:
        result = action(template)
    except FieldErrors as exc:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        messages.error(request, f"Fix the template first — {problems}")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success.format(template=result))
        return redirect("templates-edit", template_id=result.pk)
    return redirect("templates-edit", template_id=template.pk)


@company_admin_required
@require_POST
def template_submit(request, template_id: int):
    return _action(
        request,
        template_id,
        lambda t: services.template_submit(template=t),
        "Submitted to Twilio for WhatsApp approval: status {template.status}.",
    )


@company_admin_required
@require_POST
def template_sync(request, template_id: int):
    return _action(
        request,
        template_id,
        lambda t: services.template_sync(template=t),
        "Approval status read from Twilio: {template.status}.",
    )


@company_admin_required
@require_POST
def template_duplicate(request, template_id: int):
    return _action(
        request,
        template_id,
        lambda t: services.template_duplicate(template=t),
        "Copied as “{template.name}” (a draft).",
    )


@company_admin_required
@require_POST
def template_delete(request, template_id: int):
    template = selectors.template_get_for_company(company=request.user.company, pk=template_id)
    name = template.name
    try:
        services.template_delete(template=template)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("templates-edit", template_id=template.pk)
    messages.success(request, f"Template “{name}” deleted.")
    return redirect("templates-list")
