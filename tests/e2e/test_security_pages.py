"""The Content Security Policy (django-csp) in real Chromium: the pages work under it, with no
violation reported (no inline script or handler is left), including the API docs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in
from tests.ui.conftest import simulate_inbound

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def csp_page(page):
    page.context.add_init_script(COLLECT_VIOLATIONS)
    return page


def test_staff_pages_work_under_the_csp(
    csp_page, admin_user, person, whatsapp_on, welcome_template
):
    page = csp_page
    simulate_inbound(person, "Hello")
    log_in(page, admin_user.email)

    page.goto(f"/people/{person.pk}/")
    page.locator("#mobile-line").get_by_role("link", name="WhatsApp").click()
    expect(page.get_by_role("dialog", name="New WhatsApp")).to_be_visible()
    assert violations(page) == []

    page.goto("/settings/whatsapp/templates/")
    page.get_by_label("Status").select_option("approved")  # applies itself: no inline handler
    page.wait_for_url("**status=approved**")
    assert violations(page) == []

    page.goto(f"/settings/whatsapp/templates/{welcome_template.pk}/")
    page.get_by_label("Body").fill("{{1}} starts with a variable, which Meta refuses.")
    expect(page.locator("#errors-body")).to_contain_text("may not start with a variable")
    assert violations(page) == []

    for path in ("/people/", "/settings/automations/", "/newsfeed/"):
        page.goto(path)
        assert violations(page) == [], path


def test_api_docs_and_admin_work_under_the_csp(csp_page, superuser):
    page = csp_page
    log_in(page, superuser.email)

    page.goto("/admin/whatsapp/whatsappsettings/")
    expect(page.get_by_role("heading", name="Select WhatsApp settings to change")).to_be_visible()
    assert violations(page) == []
    page.goto("/api/v1/docs/")
    expect(page.get_by_text("GymSales WhatsApp API").first).to_be_visible()
    assert violations(page) == []
