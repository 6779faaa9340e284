"""Enqueue a campaign's next dispatch slice on the `campaigns` queue. By the task's name, so the
services (start, resume, retry) and the tasks both kick without importing each other."""

from __future__ import annotations

QUEUE = "campaigns"
DISPATCH_TASK = "campaigns.dispatch"


def campaign_dispatch_kick(campaign_id: int, *, countdown: float = 0) -> None:
    from celery import current_app

    current_app.tasks[DISPATCH_TASK].apply_async(
        args=[campaign_id], countdown=countdown, queue=QUEUE
    )
