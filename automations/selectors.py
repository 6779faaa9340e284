"""Reads of Automated Items and their runs."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from automations.models import AutomatedItem, AutomationRun
from gymsales.models import Company
from gymsales.parsing import parse_id


def automated_items_list(*, company: Company) -> QuerySet[AutomatedItem]:
    return (
        AutomatedItem.objects.filter(company=company)
        .select_related("template", "club", "sale_type")
        .annotate(
            runs_sent=Count("runs", filter=Q(runs__state="sent")),
            runs_skipped=Count("runs", filter=Q(runs__state="skipped")),
            runs_pending=Count("runs", filter=Q(runs__state="pending")),
        )
        .order_by("name", "id")
    )


def automated_item_get_for_company(*, company: Company, pk) -> AutomatedItem:
    """Missing and another company's item are both a 404."""
    return get_object_or_404(
        AutomatedItem.objects.filter(company=company).select_related(
            "template", "club", "sale_type"
        ),
        pk=pk,
    )


def automation_runs_for_item(*, item: AutomatedItem) -> QuerySet[AutomationRun]:
    """An item's runs, newest first, with the person and message a history row shows."""
    return (
        AutomationRun.objects.filter(company=item.company_id, item=item)
        .select_related("person", "message")
        .order_by("-created_at", "-id")
    )


def automated_items_for_event(*, company_id: int, event: str) -> QuerySet[AutomatedItem]:
    """The active items an event can trigger (kind and template are checked when a run is due)."""
    return AutomatedItem.objects.filter(
        company=company_id, trigger_event=event, active=True
    ).order_by("id")


def automated_item_form_choices(*, company: Company) -> dict:
    """What the item form offers: the company's clubs and its approved templates only."""
    from gymsales.models import Club
    from templates_app.selectors import templates_sendable

    return {
        "clubs": list(Club.objects.filter(company=company).order_by("name", "id")),
        "templates": list(templates_sendable(company=company)),
    }


def template_description_for_company(*, company: Company, template_id) -> str | None:
    """The read-only description shown beside the picker: an approved template's body."""
    from templates_app.selectors import templates_sendable

    pk = parse_id(template_id)
    if pk is None:
        return None
    template = templates_sendable(company=company).filter(pk=pk).first()
    return template.body if template else None
