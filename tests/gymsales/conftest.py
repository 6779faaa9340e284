"""Fixtures for the CRM core tests."""

from __future__ import annotations

import pytest

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
