"""CSV downloads, streamed: rows go out as the database cursor yields them, never built in memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

from reporting.filters import ReportFilters
from reporting.selectors import activity_days, user_display_name, user_statistics

# A cell a spreadsheet would run as a formula (OWASP "CSV injection") is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(
    *, filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """A `text/csv` attachment with `header` then `rows`, each line written as it is produced."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_safe(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(name: str, filters: ReportFilters) -> str:
    span = "-".join(d.isoformat() for d in (filters.date_from, filters.date_to) if d)
    club = f"-club{filters.club_id}" if filters.club_id else ""
    return f"{name}{'-' + span if span else ''}{club}.csv"


def activity_csv(filters: ReportFilters) -> StreamingHttpResponse:
    days = activity_days(filters)  # a range too long is refused before the download starts
    return csv_response(
        filename=_filename("whatsapp-activity", filters),
        header=["date", "outbound", "inbound"],
        rows=((d["date"].isoformat(), d["outbound"], d["inbound"]) for d in days.rows()),
    )


def user_statistics_csv(filters: ReportFilters) -> StreamingHttpResponse:
    users = user_statistics(filters).only("id", "first_name", "last_name", "email")
    return csv_response(
        filename=_filename("user-statistics", filters),
        header=["user_id", "name", "whatsapp_sent"],
        rows=(
            (user.pk, user_display_name(user), user.whatsapp_sent)
            for user in users.iterator(chunk_size=2000)
        ),
    )
