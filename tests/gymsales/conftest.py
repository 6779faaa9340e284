"""Fixtures for the CRM core tests."""

from __future__ import annotations

import pytest

from gymsales.login_throttle import ThrottleCacheHandler
from gymsales.models import ConsentRecord, Note, Person


def people_snapshot(company=None) -> list[dict]:
    """Everything stored about people (and their consent/notes) to prove a refusal changed nothing."""
    people = Person.objects.all() if company is None else Person.objects.filter(company=company)
    return [
        list(people.order_by("id").values()),
        list(ConsentRecord.objects.order_by("id").values()),
        list(Note.objects.order_by("id").values()),
    ]


@pytest.fixture
def snapshot():
    return people_snapshot


THROTTLE_LIMIT = 3
THROTTLE_ADDRESSES = ("10.0.0.1", "10.0.0.2", "127.0.0.1")


@pytest.fixture
def throttle(settings, sales_user, manager_user):
    """Throttling on (the suite turns it off), with this test's counters cleared before and after
    (they live in the shared Redis cache)."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = THROTTLE_LIMIT

    def clear():
        handler = ThrottleCacheHandler()
        for user in (sales_user, manager_user):
            for address in THROTTLE_ADDRESSES:
                handler.reset_attempts(ip_address=address, username=user.email)

    clear()
    yield
    clear()
