"""The filters every report takes (API.md "Reports"): `from`, `to` (local dates, inclusive) and `club_id`.

One parser for the API and the pages: bad input is a FieldErrors (the API's 422), a club that is not
the company's is a 404, exactly like an unknown one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.http import Http404

from gymsales.errors import FieldErrors
from gymsales.models import Club, Company
from gymsales.parsing import YEAR_MAX, YEAR_MIN, parse_id, year_in_range


@dataclass(frozen=True)
class ReportFilters:
    company: Company
    date_from: date | None = None
    date_to: date | None = None
    club_id: int | None = None

    def start(self) -> datetime | None:
        """The first instant of `date_from` in the company's time zone."""
        return _local_midnight(self.company, self.date_from) if self.date_from else None

    def end(self) -> datetime | None:
        """The first instant after `date_to` in the company's time zone (exclusive)."""
        if self.date_to is None:
            return None
        return _local_midnight(self.company, self.date_to + timedelta(days=1))

    def query_string(self) -> str:
        from urllib.parse import urlencode

        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "club_id": self.club_id or "",
        }
        return urlencode({key: value for key, value in values.items() if value})


def _local_midnight(company: Company, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=company.tzinfo)


def _parse_date(raw: str, field: str, errors: dict) -> date | None:
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[field] = ["Enter a date as YYYY-MM-DD."]
        return None
    if not year_in_range(value):
        errors[field] = [f"Enter a date between {YEAR_MIN} and {YEAR_MAX}."]
        return None
    return value


def report_filters(*, company: Company, params: Mapping) -> ReportFilters:
    """Read `from`, `to` and `club_id` from query parameters; FieldErrors or Http404 when bad."""
    errors: dict[str, list[str]] = {}
    date_from = _parse_date((params.get("from") or "").strip(), "from", errors)
    date_to = _parse_date((params.get("to") or "").strip(), "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = ["Must be on or after from."]
    club_id = None
    raw_club = (params.get("club_id") or "").strip()
    if raw_club:
        club_id = parse_id(raw_club)
        if club_id is None:
            errors["club_id"] = ["Must be a club id (a whole number, 1 or more)."]
    if errors:
        raise FieldErrors(errors)
    if club_id is not None and not Club.objects.filter(company=company, pk=club_id).exists():
        raise Http404("No such club.")
    return ReportFilters(company=company, date_from=date_from, date_to=date_to, club_id=club_id)
