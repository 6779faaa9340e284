"""DEBUG=false: SECRET_KEY required, static files served by the app (whitenoise), proxy aware."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import re, django
django.setup()
from django.conf import settings
from django.test import Client, RequestFactory
assert settings.DEBUG is False
client = Client()
page = client.get("/accounts/login/")
print("login", page.status_code)
css = re.search(r'href="(/static/gymsales/app\.[0-9a-f]+\.css)"', page.content.decode()).group(1)
asset = client.get(css)
print("css", asset.status_code, asset["Cache-Control"])
print("unhashed", client.get("/static/gymsales/app.css").status_code)
print("swagger", client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css").status_code)
request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
print("secure", request.is_secure(), RequestFactory().get("/").is_secure())
print("cookie", "secure" in str(page.cookies.get("csrftoken", "")).lower() or settings.CSRF_COOKIE_SECURE)
"""


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="gymsales.settings", PYTHONPATH=str(ROOT), **extra)
    return env


def test_secret_key_is_required_when_debug_is_false():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=_env(DEBUG="false"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_serves_collected_static_files_and_trusts_the_proxy(tmp_path):
    env = _env(DEBUG="false", SECRET_KEY="test-only-production-key", STATIC_ROOT=str(tmp_path))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
    )

    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "login 200"
    assert lines[1].startswith("css 200 ")
    assert "immutable" in lines[1]
    assert lines[2] == "unhashed 200"
    assert lines[3] == "swagger 200"
    assert lines[4] == "secure True False"
    assert lines[5] == "cookie True"
