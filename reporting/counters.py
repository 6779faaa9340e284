"""Calls into the counters' SQL functions (reporting.counter_sql)."""

from __future__ import annotations

from django.db import connection, transaction


def fold_deltas() -> int:
    """Move the pending deltas into the day counters; returns the counter rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT reporting_fold()")
        return cursor.fetchone()[0]


def reconcile(company_id: int) -> int:
    """Make one company's counters exact again from its messages; returns the corrections made."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT reporting_reconcile(%s)", [company_id])
        return cursor.fetchone()[0]
