"""Reads of templates."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from gymsales.models import Company
from templates_app.models import MessageTemplate, TemplateStatus


def template_get_for_company(*, company: Company, pk) -> MessageTemplate:
    return get_object_or_404(MessageTemplate.objects.filter(company=company), pk=pk)


def templates_sendable(*, company: Company) -> QuerySet[MessageTemplate]:
    """Approved templates (by Meta through the Content API, or ticked 'Twilio approved') with a
    Content SID to send: MessageTemplate.is_sendable as a query."""
    blocked = [TemplateStatus.PAUSED, TemplateStatus.DISABLED, TemplateStatus.REJECTED]
    return (
        MessageTemplate.objects.filter(company=company)
        .filter(Q(status=TemplateStatus.APPROVED) | Q(twilio_approved=True))
        .exclude(status__in=blocked)
        .exclude(content_sid="")
        .order_by("name", "id")
    )


def templates_list(
    *, company: Company, status: str | None = None, category: str | None = None
) -> QuerySet[MessageTemplate]:
    templates = MessageTemplate.objects.filter(company=company)
    if status:
        templates = templates.filter(status=status)
    if category:
        templates = templates.filter(category=category)
    return templates.order_by("name", "id")
