"""CSV downloads, streamed: rows go out as the database cursor yields them, never built in memory."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

from gymsales.tenancy import company_scope
from reporting.counters import without_jit
from reporting.filters import ReportFilters
from reporting.selectors import activity_days, user_display_name, user_statistics

# A cell a spreadsheet would run as a formula (OWASP "CSV injection") is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


# …except a plain number such as an E.164 phone ("+447911100290"), which no spreadsheet runs.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _safe(value):
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
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


PEOPLE_HEADER = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone_mobile",
    "club_id",
    "owner_id",
    "status",
    "whatsapp_opted_out",
]


def people_csv(people, *, filename: str) -> StreamingHttpResponse:
    """A bucket's people (the People API's main fields), streamed."""
    rows = people.values_list(*PEOPLE_HEADER)

    def streamed():
        with without_jit():  # a transaction for the cursor, with the bucket's probes JIT-free
            yield from rows.iterator(chunk_size=2000)

    return csv_response(filename=filename, header=PEOPLE_HEADER, rows=streamed())


def bulk_whatsapp_csv(filters: ReportFilters, *, chunk: int = 500) -> StreamingHttpResponse:
    """Every campaign of the range with its buckets: campaigns read through a server-side cursor,
    their counts one aggregate per `chunk` campaigns."""
    from reporting import bulk

    campaigns = bulk.campaigns(filters).only("id", "name", "template_id", "started_at")
    zone = filters.company.tzinfo

    def counted(batch):
        # The response streams after the view has left the request's tenant scope: each chunk's
        # counts are read in the company's scope again (a bounded list of `chunk` rows).
        with company_scope(filters.company):
            return bulk.rows(filters, batch)

    def lines():
        batch = []
        for campaign in campaigns.iterator(chunk_size=chunk):
            batch.append(campaign)
            if len(batch) == chunk:
                yield from counted(batch)
                batch = []
        if batch:
            yield from counted(batch)

    return csv_response(
        filename=_filename("bulk-whatsapp", filters),
        header=["id", "name", "template_id", "started_at", *bulk.BUCKET_KEYS],
        rows=(
            [
                row["id"],
                row["name"],
                row["template_id"],
                row["started_at"].astimezone(zone).isoformat(),
                *(row[key] for key in bulk.BUCKET_KEYS),
            ]
            for row in lines()
        ),
    )
