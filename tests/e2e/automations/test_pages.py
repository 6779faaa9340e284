"""Automated Items pages in real Chromium."""

from __future__ import annotations

import pytest

from automations.models import AutomatedItem, AutomationRun, RunState, TriggerEvent
from tests.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_creates_welcome_item_with_approved_template_only(
    page, admin_user, approved_template, pending_template
):
    log_in(page, admin_user.email)
    page.goto("/settings/automations/")
    page.get_by_role("link", name="New Automated Item").click()

    page.get_by_label("Name").fill("Welcome new leads")
    assert page.get_by_label("Kind").input_value() == "send_whatsapp"
    assert page.locator("#id_kind option[value=create_task]").is_disabled()
    picker = page.get_by_label("Template Id")
    options = picker.locator("option").all_inner_texts()
    assert options == ["Choose an approved template", f"Welcome new lead (#{approved_template.pk})"]
    assert "Not yet approved" not in " ".join(options)

    picker.select_option(str(approved_template.pk))
    description = page.get_by_label("Template Description")
    page.wait_for_function(
        "() => document.querySelector('#id_template_description').value.includes('welcome')"
    )
    assert description.input_value() == approved_template.body
    assert description.get_attribute("readonly") is not None
    assert not description.is_editable()
    screenshot(page, "automations-form")

    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/automations/")
    assert page.get_by_role("status").inner_text().strip() == (
        'Automated Item "Welcome new leads" created.'
    )
    item = AutomatedItem.objects.get()
    assert (item.name, item.template_id, item.trigger_event, item.active) == (
        "Welcome new leads",
        approved_template.pk,
        "lead_created",
        True,
    )
    assert page.get_by_role("link", name="Welcome new leads").is_visible()


def test_run_history_shows_person_outcome_and_reason(page, admin_user, welcome_item, person):
    AutomationRun.objects.create(
        company=welcome_item.company,
        item=welcome_item,
        person=person,
        event=TriggerEvent.LEAD_CREATED,
        event_key="lead",
        state=RunState.SKIPPED,
        reason_code="opted_out",
        reason="This person opted out of WhatsApp.",
    )
    log_in(page, admin_user.email)
    page.goto("/settings/automations/")
    page.get_by_role("link", name="Run history").click()

    table = page.get_by_role("table", name="Run history")
    row = table.locator("tbody tr").first
    assert row.get_by_role("link", name="Jane Doe").get_attribute("href") == (
        f"/people/{person.pk}/"
    )
    assert "Skipped" in row.inner_text()
    assert "This person opted out of WhatsApp." in row.inner_text()
    screenshot(page, "automations-runs")
