"""Shared fixtures: two companies, API clients with Basic auth, Chromium, a real Celery worker,
the Twilio twin."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path
from uuid import uuid4

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from gymsales.celery import app as celery_app
from gymsales.models import Role
from tests.factories import PASSWORD, ClubFactory, CompanyFactory, PersonFactory, UserFactory
from tests.waits import finished_tasks  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))

# Broker keys unique to this test run, so a stray worker of another run (or another checkout on the
# same Redis db) cannot take this run's tasks. Exported for worker processes that tests start.
BROKER_KEYPREFIX = os.environ.setdefault("CELERY_BROKER_KEYPREFIX", f"test-{uuid4().hex[:8]}:")
celery_app.conf.broker_transport_options = {
    **(celery_app.conf.broker_transport_options or {}),
    "global_keyprefix": BROKER_KEYPREFIX,
}


def pytest_collection_modifyitems(config, items):
    """Every test that drives Chromium lives under tests/e2e/ (and is marked e2e)."""
    stray = [
        item.nodeid
        for item in items
        if {"page", "browser"} & set(getattr(item, "fixturenames", ()))
        and not item.nodeid.startswith("tests/e2e/")
    ]
    if stray:
        raise pytest.UsageError(f"browser tests outside tests/e2e/: {stray}")
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.e2e)


def pytest_sessionfinish(session, exitstatus):
    """`make test` sets TESTS_FAIL_ON_SKIP=1: a full run where anything was skipped is a failure."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("TESTS_FAIL_ON_SKIP") == "1" and skipped and session.exitstatus == 0:
        reporter.ensure_newline()
        reporter.write_line(f"{len(skipped)} test(s) skipped: make test runs every test", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _drop_broker_keys():
    """This run's broker keys (queues, bindings) go when the run ends."""
    yield
    import redis

    broker = redis.Redis.from_url(celery_app.conf.broker_url)
    keys = list(broker.scan_iter(f"{BROKER_KEYPREFIX}*"))
    if keys:
        broker.delete(*keys)


@pytest.fixture(autouse=True)
def _unscoped_test_code():
    """Test code itself may look across tenants; the code under test still scopes itself."""
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _celery_eager_restored():
    """Whatever a test does to `task_always_eager` (several fixtures run tasks inline), the next
    test starts with the value it had before: a test that set it and failed, or forgot, would
    otherwise make every later test that relies on a real worker run its tasks inline."""
    from gymsales.celery import app

    eager = app.conf.task_always_eager
    yield
    app.conf.task_always_eager = eager


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests need no million-round PBKDF2 for their throw-away passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Remembered credentials would make query counts depend on earlier tests; tests of the
    # cache itself turn it back on.
    settings.API_AUTH_CACHE_SECONDS = 0
    # Failed log-ins of one test must not throttle another's (tests of the throttle turn it on).
    settings.AXES_ENABLED = False


@pytest.fixture
def company(db):
    return CompanyFactory(name="Alpha Gyms")


@pytest.fixture
def club(company):
    return ClubFactory(company=company, name="Alpha Central")


@pytest.fixture
def admin_user(company, club):
    return UserFactory(company=company, club=club, role=Role.ADMIN, email="admin@alpha.test")


@pytest.fixture
def manager_user(company, club):
    return UserFactory(company=company, club=club, role=Role.MANAGER, email="manager@alpha.test")


@pytest.fixture
def sales_user(company, club):
    return UserFactory(company=company, club=club, role=Role.SALES, email="sales@alpha.test")


@pytest.fixture
def person(company, club, sales_user):
    return PersonFactory(
        company=company, club=club, owner=sales_user, first_name="Jane", last_name="Doe"
    )


@pytest.fixture
def other_company(db):
    return CompanyFactory(name="Beta Fitness")


@pytest.fixture
def other_club(other_company):
    return ClubFactory(company=other_company, name="Beta North")


@pytest.fixture
def other_user(other_company, other_club):
    return UserFactory(
        company=other_company, club=other_club, role=Role.ADMIN, email="admin@beta.test"
    )


@pytest.fixture
def other_person(other_company, other_club):
    return PersonFactory(
        company=other_company, club=other_club, first_name="Olga", last_name="Other"
    )


@pytest.fixture
def superuser(db):
    from gymsales.models import User

    return User.objects.create_superuser(email="root@platform.test", password=PASSWORD)


def basic_auth(email: str, password: str = PASSWORD) -> str:
    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return f"Basic {token}"


@pytest.fixture
def api():
    """`api(user)` → an APIClient that sends HTTP Basic credentials for that user."""

    def make(user=None, password: str = PASSWORD) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=basic_auth(user.email, password))
        return client

    return make


# --- Browser (Debian's Chromium through Playwright) -----------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    # This machine is small and shared: give pages time rather than flake.
    expect.set_options(timeout=30_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot of a key page as a CI artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# --- A real Celery worker on Redis ----------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker (in a thread) consuming from the Redis broker.

    Tests using it are transactional: the worker has its own database connection and must see
    committed rows, exactly as in production.
    """
    from celery.contrib.testing.worker import start_worker

    from gymsales.celery import app

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ) as worker:
        yield worker


# --- The Twilio twin (Stoplight Prism on Twilio's OpenAPI description, tests/twin/) --------------

TWIN_START = ROOT / "tests" / "twin" / "start.sh"


@pytest.fixture(scope="session")
def start_twin(tmp_path_factory):
    """`start_twin("twilio_api_v2010", ...)` → (base URL, log path) of Prism serving those Twilio
    specs on a free port; one process per set of specs, all stopped at the end of the session.

    No node means a failure, not a skip: `make test` installs node and the twin's npm packages."""
    started: dict[tuple[str, ...], tuple[str, Path]] = {}
    pids: list[int] = []

    def start(*specs: str) -> tuple[str, Path]:
        if specs in started:
            return started[specs]
        if not (shutil.which("node") and shutil.which("npm")):
            pytest.fail("the Twilio twin needs node and npm (`make test` installs them)")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        log = tmp_path_factory.mktemp("twin") / "prism.log"
        out = subprocess.run(
            [str(TWIN_START), str(port), *specs],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "TWIN_LOG": str(log), "TWIN_TIMEOUT": "120"},
            check=False,
        )
        if out.returncode != 0:
            pytest.fail(f"the Twilio twin did not start:\n{out.stderr}")
        pids.append(int(out.stdout.strip().splitlines()[-1]))
        started[specs] = (f"http://127.0.0.1:{port}", log)
        return started[specs]

    yield start
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
