"""Calls into the counters' SQL functions (reporting.counter_sql)."""

from __future__ import annotations

from contextlib import contextmanager

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


@contextmanager
def without_jit():
    """Run the enclosed queries with PostgreSQL's JIT off (SET LOCAL, this transaction only).

    The Bulk WhatsApp aggregate's estimated cost (an EXISTS probe per recipient) passes
    `jit_above_cost`, and compiling it took 150-190 ms of a 320 ms query on this machine while the
    probes themselves are index lookups of microseconds. Joins the surrounding transaction if any.
    """
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield
