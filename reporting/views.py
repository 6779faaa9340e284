"""Reports pages (/reports/): managers and company admins. The CSV links go to the API's streamed CSV
(the session authenticates it), so pages and API export the very same rows."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from gymsales.errors import FieldErrors
from gymsales.models import Club
from gymsales.pages import manager_or_admin_required
from reporting import bulk, retarget, selectors
from reporting.filters import ReportFilters, report_filters

# With no dates given, a page shows the last 30 days.
DEFAULT_DAYS = 30

REPORTS = [
    (
        "Newsfeed > Activity",
        "reporting:activity",
        "Outbound and inbound WhatsApp messages by day, for a club and a date range.",
    ),
    (
        "User Statistics",
        "reporting:user-statistics",
        "Outbound WhatsApp messages sent by each user in a date range.",
    ),
    (
        "Bulk WhatsApp",
        "reporting:bulk",
        "Each campaign's funnel, opt-outs, failures, and the sales and appointments that followed.",
    ),
]


@manager_or_admin_required
def reports_index(request):
    return render(request, "reporting/index.html", {"reports": REPORTS})


def _page_filters(request) -> tuple[ReportFilters, dict]:
    """The filters of a report page (the last 30 days by default) and the errors to show."""
    company = request.user.company
    params = request.GET.copy()
    if not params.get("from") and not params.get("to"):
        today = timezone.localdate(timezone=company.tzinfo)
        params["from"] = (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        params["to"] = today.isoformat()
    try:
        return report_filters(company=company, params=params), {}
    except FieldErrors as exc:
        return ReportFilters(company=company), exc.errors


def _context(request, filters: ReportFilters, errors: dict, api_path: str) -> dict:
    return {
        "filters": filters,
        "errors": errors,
        "clubs": Club.objects.filter(company=request.user.company).order_by("name"),
        # What the form shows: the dates in force, or what was typed when it was refused.
        "form": {
            "from": request.GET.get("from", "") if errors else _iso(filters.date_from),
            "to": request.GET.get("to", "") if errors else _iso(filters.date_to),
            "club_id": filters.club_id,
        },
        "csv_url": f"/api/v1/reports/{api_path}?{filters.query_string()}&format=csv",
    }


def _iso(day) -> str:
    return day.isoformat() if day else ""


@manager_or_admin_required
def activity_page(request):
    filters, errors = _page_filters(request)
    context = _context(request, filters, errors, "whatsapp-activity")
    if not errors:
        try:
            context["activity"] = selectors.whatsapp_activity(filters)
        except FieldErrors as exc:
            context["errors"] = exc.errors
    if "activity" in context:
        days = context["activity"]["by_day"]
        context["chart"] = {
            "labels": [day["date"].isoformat() for day in days],
            "outbound": [day["outbound"] for day in days],
            "inbound": [day["inbound"] for day in days],
        }
    return render(request, "reporting/activity.html", context)


@manager_or_admin_required
def user_statistics_page(request):
    filters, errors = _page_filters(request)
    context = _context(request, filters, errors, "user-statistics")
    if not errors:
        users = selectors.user_statistics(filters).only(
            "id", "first_name", "last_name", "email", "club"
        )
        context["page"] = Paginator(users, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
    return render(request, "reporting/user_statistics.html", context)


# --- Bulk WhatsApp ------------------------------------------------------------------------------


@manager_or_admin_required
def bulk_whatsapp_page(request):
    filters, errors = _page_filters(request)
    context = _context(request, filters, errors, "bulk-whatsapp")
    if not errors:
        page = Paginator(bulk.campaigns(filters), 50).get_page(request.GET.get("page"))
        context["page"] = page
        context["rows"] = [
            {**row, "cells": [(key, label, row[key]) for key, label in bulk.BUCKETS]}
            for row in bulk.rows(filters, list(page.object_list))
        ]
        context["buckets"] = bulk.BUCKETS
        context["filter_query"] = filters.query_string()
    return render(request, "reporting/bulk_whatsapp.html", context)


def _campaign_filters(request) -> ReportFilters:
    """A campaign's pages filter by club only (its dates are its own)."""
    try:
        return report_filters(
            company=request.user.company, params={"club_id": request.GET.get("club_id", "")}
        )
    except FieldErrors:
        return ReportFilters(company=request.user.company)


@manager_or_admin_required
def bulk_campaign_page(request, campaign_id: int):
    filters = _campaign_filters(request)
    campaign = bulk.campaign_get(filters, campaign_id)
    counts = bulk.bucket_counts(filters, [campaign.pk])[campaign.pk]
    context = {
        "campaign": campaign,
        "filters": filters,
        "filter_query": filters.query_string(),
        "buckets": [(key, label, counts[key]) for key, label in bulk.BUCKETS],
        "chart": {
            "labels": [label for key, label in bulk.BUCKETS if key in bulk.FUNNEL],
            "values": [counts[key] for key in bulk.FUNNEL],
        },
    }
    return render(request, "reporting/bulk_campaign.html", context)


@manager_or_admin_required
def bulk_bucket_page(request, campaign_id: int):
    filters = _campaign_filters(request)
    campaign = bulk.campaign_get(filters, campaign_id)
    labels = dict(bulk.BUCKETS)
    bucket = request.GET.get("bucket", "")
    without = request.GET.get("without", "") or None
    if bucket not in labels or (without is not None and without not in labels):
        raise Http404("No such bucket.")
    people = bulk.bucket_people(filters, campaign, bucket, without)
    page = Paginator(people.select_related("club"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "campaign": campaign,
        "bucket": bucket,
        "bucket_label": labels[bucket],
        "without": without,
        "without_label": labels.get(without or ""),
        "buckets": bulk.BUCKETS,
        "page": page,
        "query": query.urlencode(),
        "filters": filters,
        "csv_url": f"/api/v1/reports/bulk-whatsapp/{campaign.pk}/people?{query.urlencode()}"
        "&format=csv",
        "templates": retarget.approved_templates(company=request.user.company),
        "can_retarget": request.user.is_company_admin,
    }
    return render(request, "reporting/bulk_bucket.html", context)


@manager_or_admin_required
@require_POST
def bulk_retarget(request, campaign_id: int):
    """A bucket becomes the audience of a new draft campaign (company admins create campaigns)."""
    if not request.user.is_company_admin:
        raise PermissionDenied("Only company admins can create campaigns.")
    filters = _campaign_filters(request)
    campaign = bulk.campaign_get(filters, campaign_id)
    bucket = request.POST.get("bucket", "")
    without = request.POST.get("without", "") or None
    if bucket not in bulk.BUCKET_KEYS or (without is not None and without not in bulk.BUCKET_KEYS):
        raise Http404("No such bucket.")
    people = bulk.bucket_people(filters, campaign, bucket, without)
    try:
        new = retarget.campaign_from_people(
            company=request.user.company,
            user=request.user,
            name=request.POST.get("name", ""),
            template_id=request.POST.get("template_id", ""),
            people=people,
        )
    except FieldErrors as exc:
        for field_errors in exc.errors.values():
            for error in field_errors:
                messages.error(request, error)
        return redirect(_bucket_url(campaign, bucket, without))
    messages.success(
        request,
        f'Draft campaign "{new.name}" created for {len(new.audience["person_ids"])} people.',
    )
    try:  # on to the campaign's own page, where it is pre-flighted and started
        resolve(f"/campaigns/{new.pk}/")
    except Resolver404:
        return redirect(_bucket_url(campaign, bucket, without))
    return redirect(f"/campaigns/{new.pk}/")


def _bucket_url(campaign, bucket: str, without: str | None) -> str:
    url = f"{reverse('reporting:bulk-bucket', args=[campaign.pk])}?bucket={bucket}"
    return url + (f"&without={without}" if without else "")
