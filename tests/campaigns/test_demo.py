"""seed_demo's campaigns: a finished one with realistic outcomes and a draft ready to start."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from automations.campaigns import selectors
from automations.models import Campaign
from gymsales.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_finished_campaign_and_a_draft_once(api):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    assert "/campaigns/" in out.getvalue()

    finished = Campaign.objects.get(name="November class promo")
    assert finished.status == "completed"
    counts = selectors.campaign_counts(campaign=finished)["counts"]
    assert counts["total"] > 20
    assert counts["read"] > counts["delivered"] > 0
    assert counts["failed"] > 0 and counts["limited_by_meta"] > 0
    assert counts["replied"] > 0 and counts["opted_out"] == 1
    assert counts["excluded"]["no_mobile"] > 0

    draft = Campaign.objects.get(name="Win back quiet leads")
    assert draft.status == "draft"
    assert draft.preflight["will_send"] > 0
    admin = User.objects.get(email="admin@demo.gymsales.test")
    response = api(admin, password="demo-pass-2026").post(
        f"/api/v1/whatsapp/campaigns/{draft.pk}/start"
    )
    assert response.status_code == 202
    assert response.json()["status"] == "running"
    assert Campaign.objects.filter(company=draft.company).count() == 2
