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
secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
print("hsts", secure.get("Strict-Transport-Security"))
print("csp", page.get("Content-Security-Policy"))
forwarded = RequestFactory().get("/", HTTP_X_FORWARDED_HOST="evil.example")
print("host", forwarded.get_host())
"""


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DJANGO_SETTINGS_MODULE="gymsales.settings", PYTHONPATH=str(ROOT), **extra)
    return env


def _django_setup(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_when_debug_is_false():
    result = _django_setup(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _production_probe(tmp_path, **extra) -> list[str]:
    env = _env(
        DEBUG="false",
        SECRET_KEY="test-only-production-key",
        SECRETS_ENCRYPTION_KEYS="Jd4mVvC5dMrPIlZsBjLhWkKOtBZHmQwzlAi1yUFEjPc=",
        STATIC_ROOT=str(tmp_path),
        ALLOWED_HOSTS="testserver,evil.example",
        **extra,
    )
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
    return result.stdout.splitlines()


def test_production_serves_collected_static_files_and_trusts_a_configured_proxy(tmp_path):
    lines = _production_probe(tmp_path, TRUST_X_FORWARDED="true")

    assert lines[0] == "login 200"
    assert lines[1].startswith("css 200 ")
    assert "immutable" in lines[1]
    assert lines[2] == "unhashed 200"
    assert lines[3] == "swagger 200"
    assert lines[4] == "secure True False"
    assert lines[5] == "cookie True"
    assert lines[6] == "hsts max-age=31536000"
    csp = lines[7]
    for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'"):
        assert directive in csp
    assert "frame-ancestors 'none'" in csp
    assert lines[8] == "host evil.example"


def test_x_forwarded_headers_are_not_trusted_unless_configured(tmp_path):
    lines = _production_probe(tmp_path)

    assert lines[4] == "secure False False"  # X-Forwarded-Proto: https from a client: ignored
    assert lines[6] == "hsts None"  # so no HSTS over what is really plain HTTP
    assert lines[8] == "host testserver"


def test_the_development_secret_key_is_refused_in_production():
    result = _django_setup(DEBUG="false", SECRET_KEY="dev-only-insecure-key-change-me")

    assert result.returncode != 0
    assert "Set SECRET_KEY to a long random value" in result.stderr


def test_docker_compose_has_no_default_secret_and_seeds_the_demo_only_on_request():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    app = compose["x-app"]["environment"]

    assert app["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert app["SECRETS_ENCRYPTION_KEYS"].startswith("${SECRETS_ENCRYPTION_KEYS:?")
    assert app["SEED_DEMO"] == "${SEED_DEMO:-0}"
    assert app["TRUST_X_FORWARDED"] == "${TRUST_X_FORWARDED:-false}"
    migrate = compose["services"]["migrate"]["command"]
    assert 'if [ "$$SEED_DEMO" = 1 ]; then python manage.py seed_demo; fi' in migrate
    for service in compose["services"].values():
        assert "seed_demo" not in str(service.get("command", "")).replace(
            'if [ "$$SEED_DEMO" = 1 ]; then python manage.py seed_demo; fi', ""
        )
    assert "demo-pass" not in (ROOT / "docker-compose.yml").read_text()


def test_pages_and_api_carry_the_content_security_policy(client, db):
    for path in ("/accounts/login/", "/api/v1/people"):
        policy = client.get(path)["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        )


def test_encryption_keys_are_required_in_production():
    result = _django_setup(DEBUG="false", SECRET_KEY="test-only-production-key")

    assert result.returncode != 0
    assert "Set SECRETS_ENCRYPTION_KEYS" in result.stderr
