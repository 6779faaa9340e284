"""Celery tasks for Automated Items: beat dispatches due runs and sweeps for found events."""

from __future__ import annotations

from celery import shared_task

from automations import services


@shared_task(name="automations.dispatch_due")
def automations_dispatch_due() -> int:
    """Beat, every 30 s: execute the runs that are due (idempotent; safe to overlap)."""
    return services.automation_runs_dispatch_due()


@shared_task(name="automations.sweep")
def automations_sweep() -> int:
    """Beat, every minute: record appointment reminders and re-engaged leads."""
    return services.automations_sweep()


@shared_task(name=services.RUN_EXECUTE_TASK)
def automation_run_execute_task(run_id: int) -> None:
    """A run due at once, enqueued when its event commits (beat would pick it up anyway)."""
    services.automation_run_execute(run_id=run_id)


# Bulk campaign tasks (queue `campaigns`), registered with the worker through this module.
from automations.campaigns.tasks import (  # noqa: E402, F401
    campaign_dispatch_task,
    campaigns_tick_task,
)
