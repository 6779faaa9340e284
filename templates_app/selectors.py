"""Reads of templates."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from gymsales.models import Company
from templates_app.models import SENDABLE, MessageTemplate


def template_get_for_company(*, company: Company, pk) -> MessageTemplate:
    return get_object_or_404(MessageTemplate.objects.filter(company=company), pk=pk)


def templates_sendable(*, company: Company) -> QuerySet[MessageTemplate]:
    """The templates that may be sent (templates_app.models.SENDABLE), by name."""
    return MessageTemplate.objects.filter(SENDABLE, company=company).order_by("name", "id")


def templates_list(
    *, company: Company, status: str | None = None, category: str | None = None
) -> QuerySet[MessageTemplate]:
    templates = MessageTemplate.objects.filter(company=company)
    if status:
        templates = templates.filter(status=status)
    if category:
        templates = templates.filter(category=category)
    return templates.order_by("name", "id")
