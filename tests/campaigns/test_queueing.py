"""The campaign services enqueue the dispatch by the task's name: in a fresh process (a web
worker that never imported the tasks module) the task is registered and a kick reaches the
`campaigns` queue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from celery import current_app
from automations.campaigns import queueing
sent = []
task = current_app.tasks[queueing.DISPATCH_TASK]
task.apply_async = lambda **options: sent.append(options)
queueing.campaign_dispatch_kick(7, countdown=2)
print(sent)
"""


def test_a_fresh_process_kicks_the_dispatch_by_name():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "gymsales.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[{'args': [7], 'countdown': 2, 'queue': 'campaigns'}]"
