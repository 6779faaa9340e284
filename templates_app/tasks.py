"""Celery tasks of templates: the periodic approval sync (beat: CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from gymsales.models import Company
from gymsales.tenancy import all_companies, company_scope
from templates_app import services
from templates_app.models import MessageTemplate


@shared_task(name="templates_app.sync_template_approvals", ignore_result=True)
def sync_template_approvals() -> int:
    """Read pending and approved templates' WhatsApp approval back from Twilio, company by company."""
    with all_companies():
        company_ids = list(
            MessageTemplate.objects.filter(status__in=services.SYNCED)
            .exclude(content_sid="")
            .values_list("company_id", flat=True)
            .distinct()
            .order_by("company_id")
        )
    synced = 0
    for company_id in company_ids:
        with company_scope(company_id):
            company = Company.objects.get(pk=company_id)
            synced += services.templates_sync_company(company=company)
    return synced
