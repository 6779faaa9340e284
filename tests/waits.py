"""Waiting for an event instead of sleeping: poll a condition with a generous deadline (the machine
may be loaded), and know when a Celery worker has finished a given task."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest


def wait_for(
    condition: Callable[[], object], timeout: float = 60.0, interval: float = 0.05
) -> bool:
    """True as soon as `condition()` is true; False if it is still false after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


@pytest.fixture
def finished_tasks():
    """Task id → return value of each task a worker of this process finished during the test, so a
    test awaits `result.id in finished_tasks` rather than sleeping for "nothing more happened"."""
    from celery.signals import task_postrun

    done: dict[str, object] = {}

    def record(task_id=None, retval=None, **kwargs):
        done[task_id] = retval

    task_postrun.connect(record, weak=False)
    yield done
    task_postrun.disconnect(record)
