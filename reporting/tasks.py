"""Folding the counters' deltas (Celery beat; see reporting.models)."""

from __future__ import annotations

from celery import shared_task

from reporting.counters import fold_deltas


@shared_task(name="reporting.fold_counters", ignore_result=True)
def fold_counters() -> int:
    return fold_deltas()
