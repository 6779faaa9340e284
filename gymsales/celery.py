"""The Celery app `gymsales`: `celery -A gymsales worker` / `celery -A gymsales beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsales.settings")

app = Celery("gymsales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
