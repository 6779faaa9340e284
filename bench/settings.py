"""Benchmark settings: the app's settings as in production (DEBUG off), plus a bare 204 view."""

from gymsales.settings import *  # noqa: F403
from gymsales.settings import DATABASES, LOGGING

DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "bench.urls"
DATABASES["default"]["CONN_MAX_AGE"] = 600
LOGGING["root"]["level"] = "WARNING"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
