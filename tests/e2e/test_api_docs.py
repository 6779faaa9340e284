"""/api/v1/docs/ in real Chromium (issue 13): Swagger UI, served by the app itself, shows the
collection envelope, the error body with its codes and the people and send examples.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _operation(page, method: str, path: str):
    return (
        page.locator(f".opblock-{method.lower()}")
        .filter(has=page.locator(".opblock-summary-path", has_text=path))
        .first
    )


def test_docs_render_envelopes_errors_and_examples(page, live_server):
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))

    page.goto("/api/v1/docs/")

    expect(page.get_by_role("heading", name="GymSales WhatsApp API")).to_be_visible()

    create = _operation(page, "post", "/api/v1/people")
    create.locator(".opblock-summary").first.click()
    body = create.locator(".opblock-body")
    expect(body.get_by_text("A new lead").first).to_be_attached()
    expect(body.locator(".body-param__example, .highlight-code").first).to_contain_text(
        "phone_mobile"
    )
    for status in ("201", "401", "403", "422", "429"):
        expect(body.locator(f"tr.response[data-code='{status}']")).to_be_visible()

    send = _operation(page, "post", "/api/v1/people/{person_id}/whatsapp/messages")
    send.locator(".opblock-summary").first.click()
    expect(send.locator("tr.response[data-code='202']")).to_be_visible()
    expect(send.get_by_text("Refused: opted out").first).to_be_attached()

    schemas = page.locator("section.models")
    for name in ("Collection", "Pagination", "Error", "PersonCollection", "Person"):
        expect(schemas.locator(f"[data-name='{name}']").first).to_be_attached()
    error = schemas.locator("[data-name='Error']").first
    error.locator("button, .model-box-control").first.click()
    code = error.locator("tr.property-row").filter(has_text="code[").last
    code.locator("button, .model-box-control").first.click()
    expect(error).to_contain_text("opted_out")
    expect(error).to_contain_text("session_inactive")
    screenshot(page, "api-docs")

    assert hosts == {urlsplit(live_server.url).netloc}  # assets served by the app, no CDN
