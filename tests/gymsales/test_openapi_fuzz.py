"""Schemathesis over the live OpenAPI description, for every operation it lists (issue 13, issue 9
item 16): as a company admin and as a platform admin, no 5xx, no response that breaks the schema,
no status the schema does not list.

Requests go through the WSGI application (the one gunicorn serves) onto the demo data, so generated
ids often name real rows. The seed is fixed: a failure replays with the same cases. Bounded so it stays fast in CI.
"""

from __future__ import annotations

import base64
import io
import logging

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from django_scopes import scopes_disabled
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from automations.models import AutomatedItem
from gymsales.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS, PLATFORM_ADMIN
from gymsales.models import Appointment, Club, Company, Person, Sale
from templates_app.models import MessageTemplate

SEED = 20261206
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
PLATFORM_PATHS = r"^/api/v1/companies"


def _config(*, max_examples: int, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            "generation": {
                "max-examples": max_examples,
                "no-shrink": True,
                "database": "none",
                "with-security-parameters": False,
            },
            "phases": {
                # Unlisted methods: OPTIONS only (405 for the others is Django's own answer).
                "coverage": {"enabled": coverage, "unexpected-methods": ["OPTIONS"]},
                "stateful": {"enabled": False},
            },
        }
    )


def _live_schema(config: schemathesis.Config):
    """The schema as /api/v1/schema/ serves it, through the WSGI application itself."""
    from gymsales.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=config)


# The operations of the user's own role get every phase (the schema's examples, the coverage
# phase's edge cases and invalid values, random fuzzing); the other role's, which answer 403,
# a few random cases each.
OWN = _live_schema(_config(max_examples=6, coverage=True))
OTHER_ROLE = _live_schema(_config(max_examples=3, coverage=False))


@pytest.fixture(scope="module")
def demo_ids(django_db_setup, django_db_blocker):
    """The demo company, committed once for this module (each test then runs in a transaction that
    is rolled back), and the ids of its rows by path parameter name. Flushed at the end.
    """
    from gymsales.celery import app

    with (
        django_db_blocker.unblock(),
        override_settings(
            WHATSAPP_BACKEND="locmem",
            CELERY_TASK_ALWAYS_EAGER=True,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        app.conf.task_always_eager = True
        try:
            call_command("seed_demo", stdout=io.StringIO())
            with scopes_disabled():
                yield {
                    "company_id": _ids(Company),
                    "person_id": _ids(Person),
                    "template_id": _ids(MessageTemplate),
                    "item_id": _ids(AutomatedItem),
                    "sale_id": _ids(Sale),
                    "appointment_id": _ids(Appointment),
                    "club_id": _ids(Club),
                }
        finally:
            app.conf.task_always_eager = False
            call_command("flush", interactive=False, verbosity=0)


def _ids(model) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


@pytest.fixture
def demo(demo_ids, db, settings):
    """Requests go straight into the WSGI application inside the test's transaction, as Django's
    test client does: the per-request connection clean-up would end that transaction.
    """
    settings.WHATSAPP_BACKEND = "locmem"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Thousands of deliberate 4xx: don't log each one.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield demo_ids
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    request_log.setLevel(level)


def _real_ids(case, ids: dict[str, list[int]]) -> None:
    """Two generated ids in three become ids of real rows (chosen by the generated value)."""
    for name, value in list((case.path_parameters or {}).items()):
        pool = ids.get(name)
        if pool and isinstance(value, int) and value % 3:
            case.path_parameters[name] = pool[value % len(pool)]


def _authorization(email: str) -> dict:
    token = base64.b64encode(f"{email}:{DEMO_PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _call(case, ids: dict[str, list[int]], email: str) -> None:
    _real_ids(case, ids)
    case.call_and_validate(headers=_authorization(email), checks=CHECKS)


@OWN.exclude(path_regex=PLATFORM_PATHS).parametrize()
def test_company_operations_as_a_company_admin(case, demo):
    _call(case, demo, DEMO_USERS["admin"][0])


@OTHER_ROLE.include(path_regex=PLATFORM_PATHS).parametrize()
def test_platform_operations_as_a_company_admin(case, demo):
    _call(case, demo, DEMO_USERS["admin"][0])


@OWN.include(path_regex=PLATFORM_PATHS).parametrize()
def test_platform_operations_as_a_platform_admin(case, demo):
    _call(case, demo, PLATFORM_ADMIN)


@OTHER_ROLE.exclude(path_regex=PLATFORM_PATHS).parametrize()
def test_company_operations_as_a_platform_admin(case, demo):
    _call(case, demo, PLATFORM_ADMIN)
