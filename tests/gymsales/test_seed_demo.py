"""`seed_demo`: the demo company with its log-ins; running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from gymsales.models import Company, Person, User
from gymsales.tenancy import company_scope

pytestmark = pytest.mark.django_db


def _counts():
    return (Company.objects.count(), User.objects.count(), Person.objects.count())


def test_seed_demo_prints_log_ins_and_is_idempotent(api):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=StringIO())

    assert _counts() == first
    text = out.getvalue()
    for email in (
        "admin@demo.gymsales.test",
        "manager@demo.gymsales.test",
        "sales@demo.gymsales.test",
        "platform@demo.gymsales.test",
    ):
        assert email in text
    assert "demo-pass-2026" in text
    company = Company.objects.get(name="Demo Fitness")
    with company_scope(company):
        assert Person.objects.filter(company=company).count() >= 24
    admin = User.objects.get(email="admin@demo.gymsales.test")
    response = api(admin, password="demo-pass-2026").get("/api/v1/people")
    assert response.status_code == 200
    assert response.json()["pagination"]["total_entries"] >= 24
