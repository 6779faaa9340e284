"""Reports pages (/reports/): managers and company admins. The CSV links go to the API's streamed CSV
(the session authenticates it), so pages and API export the very same rows."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from gymsales.errors import FieldErrors
from gymsales.models import Club
from gymsales.pages import manager_or_admin_required
from reporting import selectors
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
