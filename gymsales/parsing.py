"""Strict parsing of values that arrive as text (URLs, query strings, form fields).

`str.isdigit()` and `int()` accept far more than an id ("²", "٣", " 12 ", "1_000"), and a date
or a time far in the past or future cannot be stored or read back (PostgreSQL keeps what Python
cannot turn back into a datetime). Every input goes through these rules.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MAX_ID = 2**63 - 1  # PostgreSQL bigint
_ID = re.compile(r"[0-9]{1,19}")  # ASCII digits only

# Dates the system accepts: anything outside is a mistake (and could not be stored and read back).
YEAR_MIN = 1900
YEAR_MAX = 2100


def parse_id(value) -> int | None:
    """A database id written in ASCII digits, or None for anything else (never an exception)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def year_in_range(value: date | datetime) -> bool:
    return YEAR_MIN <= value.year <= YEAR_MAX


def parse_date(value) -> date | None:
    """An ISO 8601 date (YYYY-MM-DD) within the accepted years, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if year_in_range(parsed) else None
