"""Writes of templates: create/edit under Meta's rules, duplicate, delete, and Twilio approval.

Approval goes through the provider backend seam (`whatsapp.providers.get_backend`): `submit` creates
the Content resource when there is none and files the WhatsApp approval request; `sync` reads the
approval back. No transaction is held open across a Twilio call: the template is claimed with a
conditional UPDATE first, the call is made, then the result is recorded.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from gymsales.errors import DomainError, FieldErrors
from gymsales.models import Company
from templates_app import meta_limits
from templates_app.content import content_draft
from templates_app.models import NAME_TAKEN, MessageTemplate, TemplateStatus
from templates_app.rules import template_errors
from whatsapp.providers import Credentials, ProviderError, WhatsAppBackend, get_backend

logger = logging.getLogger(__name__)

APPROVED_EDIT_WARNING = (
    "Warning: this is a Twilio-approved template: Please make these same edits in Twilio "
    "to prevent messages from failing."
)
CONTENT_FIELDS = (
    "name",
    "category",
    "language",
    "header",
    "body",
    "footer",
    "buttons",
    "variables",
)
# Set by hand for templates made outside the app (API.md Templates), never a reason to reset.
FLAG_FIELDS = ("content_sid", "twilio_approved", "is_recontact")
SUBMITTABLE = (TemplateStatus.DRAFT, TemplateStatus.UNSUBMITTED, TemplateStatus.REJECTED)
# Statuses the periodic sync keeps reading back from Twilio (Meta may pause or re-approve).
SYNCED = (TemplateStatus.PENDING, TemplateStatus.APPROVED, TemplateStatus.PAUSED)
# What Twilio may answer that takes a template's approval away.
WITHDRAWN = (TemplateStatus.REJECTED, TemplateStatus.PAUSED, TemplateStatus.DISABLED)
# Edited after Twilio refused or never reviewed it: the next submit needs a fresh Content resource.
RESET_ON_EDIT = (TemplateStatus.UNSUBMITTED, TemplateStatus.REJECTED)


def template_is_approved(template: MessageTemplate) -> bool:
    return template.status == TemplateStatus.APPROVED or template.twilio_approved


def template_edit_warning(template: MessageTemplate) -> str | None:
    """The seed's warning, shown when an approved template is edited."""
    return APPROVED_EDIT_WARNING if template_is_approved(template) else None


def _normalize(data: dict[str, Any]) -> dict[str, Any]:
    """Tidy what people type (blank → empty, strip names); rules then judge the result."""
    clean = dict(data)
    if isinstance(clean.get("name"), str):
        clean["name"] = clean["name"].strip()
    if isinstance(clean.get("language"), str):
        clean["language"] = clean["language"].strip()
    if "footer" in clean and clean["footer"] is None:
        clean["footer"] = ""
    if "buttons" in clean and clean["buttons"] is None:
        clean["buttons"] = []
    if "variables" in clean and clean["variables"] is None:
        clean["variables"] = {}
    if "variables" in clean and isinstance(clean["variables"], dict):
        clean["variables"] = {str(key): value for key, value in clean["variables"].items()}
    if "header" in clean and clean["header"] in ({}, ""):
        clean["header"] = None
    if "content_sid" in clean:
        clean["content_sid"] = (clean["content_sid"] or "").strip()
    return clean


def _as_data(template: MessageTemplate) -> dict[str, Any]:
    return {field: getattr(template, field) for field in CONTENT_FIELDS}


def template_validate(
    *, company: Company, data: dict[str, Any], template: MessageTemplate | None = None
) -> dict[str, list[str]]:
    """Every rule the candidate (an edit merged onto `template`, or a new one) breaks, by field."""
    data = _normalize(data)
    merged = {**(_as_data(template) if template else {}), **data}
    if template is not None and ("content_sid" in data or "twilio_approved" in data):
        # The SID and the tick are judged together, but only when an edit touches either.
        merged.setdefault("content_sid", template.content_sid)
        merged.setdefault("twilio_approved", template.twilio_approved)
    errors = template_errors(merged)
    name = merged.get("name")
    if "name" not in errors and _name_taken(company=company, name=name, template=template):
        errors["name"] = [NAME_TAKEN]
    return errors


def _name_taken(*, company: Company, name: str, template: MessageTemplate | None) -> bool:
    others = MessageTemplate.objects.filter(company=company, name__iexact=name)
    if template is not None:
        others = others.exclude(pk=template.pk)
    return others.exists()


def _check_cap(company: Company) -> None:
    if MessageTemplate.objects.filter(company=company).count() >= (
        meta_limits.TEMPLATES_PER_COMPANY_MAX
    ):
        raise DomainError(
            f"A company may have at most {meta_limits.TEMPLATES_PER_COMPANY_MAX} templates: "
            "delete one you no longer use first.",
            code="template_limit_reached",
        )


def _save(template: MessageTemplate) -> MessageTemplate:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise FieldErrors({"name": [NAME_TAKEN]}) from None
    return template


def template_create(*, company: Company, data: dict[str, Any]) -> MessageTemplate:
    data = _normalize(data)
    data.setdefault("language", "en")
    errors = template_validate(company=company, data=data)
    if errors:
        raise FieldErrors(errors)
    fields = {key: data[key] for key in (*CONTENT_FIELDS, *FLAG_FIELDS) if key in data}
    with transaction.atomic():
        # Lock the company row so two concurrent creates cannot both pass the cap.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        _check_cap(company)
        return _save(MessageTemplate(company=company, status=TemplateStatus.DRAFT, **fields))


def template_update(*, template: MessageTemplate, data: dict[str, Any]) -> MessageTemplate:
    """Any subset of the fields. An approved template stays approved (see template_edit_warning);
    an unsubmitted or rejected one whose content changes goes back to draft with no Content SID."""
    data = _normalize(data)
    errors = template_validate(company=template.company, data=data, template=template)
    if errors:
        raise FieldErrors(errors)
    content_changed = any(
        key in data and data[key] != getattr(template, key) for key in CONTENT_FIELDS
    )
    if content_changed and template.status in RESET_ON_EDIT:
        template.status = TemplateStatus.DRAFT
        template.content_sid = ""
        template.rejection_reason = ""
    for key in (*CONTENT_FIELDS, *FLAG_FIELDS):
        if key in data:
            setattr(template, key, data[key])
    return _save(template)


def template_delete(*, template: MessageTemplate) -> None:
    """Messages keep their history: Message.template is SET_NULL. A template that something
    still needs (a campaign's, say: PROTECT) is refused with `template_in_use`."""
    try:
        with transaction.atomic():
            template.delete()
    except ProtectedError:
        raise DomainError(
            f"“{template.name}” is used by a campaign; delete or change the campaign first.",
            code="template_in_use",
        ) from None


def _copy_name(template: MessageTemplate) -> str:
    base = f"Copy of {template.name}"[: meta_limits.NAME_MAX_CHARS - 5]
    name, counter = base, 2
    while _name_taken(company=template.company, name=name, template=None):
        name, counter = f"{base} ({counter})", counter + 1
    return name


def template_duplicate(*, template: MessageTemplate, name: str = "") -> MessageTemplate:
    """A draft copy to edit and resubmit: no Content SID, not approved."""
    data = {**_as_data(template), "is_recontact": template.is_recontact}
    data["name"] = name.strip() or _copy_name(template)
    return template_create(company=template.company, data=data)


# --- Twilio Content API -----------------------------------------------------------------------


# Where a company's Twilio credentials come from: WhatsApp's settings, whose lookup
# (company=) -> Credentials WhatsApp registers in its AppConfig.ready(). Templates sit below WhatsApp
# and use only its Twilio adapter (whatsapp.providers).
CREDENTIALS_LOOKUP: list = []


def _backend(company: Company) -> WhatsAppBackend:
    if CREDENTIALS_LOOKUP:
        credentials = CREDENTIALS_LOOKUP[-1](company=company)
    else:
        credentials = Credentials(
            company_id=company.pk,
            account_sid="",
            auth_token="",
            sender_number="",
            messaging_service_sid="",
        )
    return get_backend(credentials=credentials)


def _provider_refused(exc: ProviderError) -> DomainError:
    return DomainError(f"Twilio refused: {exc}", code="twilio_error")


def template_submit(*, template: MessageTemplate) -> MessageTemplate:
    """Create the Content resource if there is none, then file the WhatsApp approval request."""
    errors = template_errors(_as_data(template))
    if errors:
        raise FieldErrors(errors)
    previous = template.status
    if previous not in SUBMITTABLE:
        raise DomainError(
            f"This template is {template.get_status_display().lower()}; only a draft, "
            "unsubmitted or rejected template can be submitted.",
            code="not_submittable",
        )
    now = timezone.now()
    claimed = MessageTemplate.objects.filter(pk=template.pk, status=previous).update(
        status=TemplateStatus.PENDING, submitted_at=now, rejection_reason=""
    )
    if not claimed:
        raise DomainError("This template was submitted meanwhile.", code="not_submittable")
    if previous == TemplateStatus.REJECTED:
        template.content_sid = ""  # Meta reviews a Content resource once: file a new one
    template.submitted_at = now
    backend = _backend(template.company)
    draft = content_draft(template)
    try:
        if not template.content_sid:
            template.content_sid = backend.content_create(draft=draft)
            MessageTemplate.objects.filter(pk=template.pk).update(content_sid=template.content_sid)
        approval = backend.content_submit(content_sid=template.content_sid, draft=draft)
    except ProviderError as exc:
        MessageTemplate.objects.filter(pk=template.pk).update(status=previous, submitted_at=None)
        raise _provider_refused(exc) from exc
    status = approval.status
    if status not in (TemplateStatus.APPROVED, TemplateStatus.REJECTED):
        status = TemplateStatus.PENDING
    _record_approval(template, status=status, rejection_reason=approval.rejection_reason)
    return template


def _record_approval(template: MessageTemplate, *, status: str, rejection_reason: str) -> None:
    now = timezone.now()
    updates: dict[str, Any] = {
        "status": status,
        "rejection_reason": rejection_reason if status == TemplateStatus.REJECTED else "",
        "last_synced_at": now,
    }
    if status == TemplateStatus.APPROVED and template.approved_at is None:
        updates["approved_at"] = now
    # "Twilio approved" follows what Twilio says, so the list's column and status agree.
    if status == TemplateStatus.APPROVED:
        updates["twilio_approved"] = True
    elif status in WITHDRAWN:
        updates["twilio_approved"] = False
    MessageTemplate.objects.filter(pk=template.pk).update(**updates)
    for key, value in updates.items():
        setattr(template, key, value)


def template_sync(*, template: MessageTemplate) -> MessageTemplate:
    """Read the WhatsApp approval status (and rejection reason, pause) back from Twilio now."""
    if not template.content_sid:
        raise DomainError(
            "This template has no Twilio Content resource yet: submit it first.",
            code="not_submitted",
        )
    try:
        approval = _backend(template.company).content_fetch_approval(
            content_sid=template.content_sid, submitted_at=template.submitted_at
        )
    except ProviderError as exc:
        raise _provider_refused(exc) from exc
    _record_approval(template, status=approval.status, rejection_reason=approval.rejection_reason)
    return template


def templates_sync_company(*, company: Company) -> int:
    """The periodic sync for one company (call inside its scope): pending and approved templates.
    Returns how many were read back; one template's failure does not stop the others."""
    synced = 0
    templates = MessageTemplate.objects.filter(company=company, status__in=SYNCED).exclude(
        content_sid=""
    )
    for template in templates.select_related("company"):
        try:
            template_sync(template=template)
        except DomainError as exc:
            logger.warning("Template %s sync failed: %s", template.pk, exc.message)
            continue
        synced += 1
    return synced
