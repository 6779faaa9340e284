"""Company Settings › WhatsApp templates in real Chromium."""

import pytest
from playwright.sync_api import expect

from templates_app.models import MessageTemplate
from tests.conftest import log_in, screenshot
from whatsapp.providers import locmem

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WARNING = (
    "Warning: this is a Twilio-approved template: Please make these same edits in Twilio "
    "to prevent messages from failing."
)


def test_create_with_live_validation_then_submit_and_sync_to_approved(
    page, admin_user, person, company
):
    log_in(page, admin_user.email)
    page.goto("/settings/whatsapp/templates/")
    page.get_by_role("link", name="New template").click()

    page.get_by_label("Name").fill("Welcome new lead")
    page.get_by_label("Category").select_option("utility")
    page.get_by_label("Body").fill("{{1}} welcome to the club, see you very soon.")
    expect(page.locator("#errors-body")).to_contain_text("The body may not start with a variable.")

    page.get_by_label("Body").fill("Hi {{1}}, welcome to {{2}}, see you very soon for your trial.")
    expect(page.locator("#errors-body")).to_be_empty()
    page.locator("#var_1_source").select_option("first_name")
    page.locator("#var_2_source").select_option("club_name")
    # Pick only once the search has answered: its options replace the list (as for a user).
    with page.expect_response(lambda response: "/templates/people/" in response.url):
        page.get_by_label("Search a person for the preview").fill("Jane")
    expect(page.locator("#id_preview_person option")).to_have_count(2)
    expect(page.locator("#id_preview_person")).to_be_enabled()
    picker = page.get_by_label("Preview for")
    picker.focus()  # as a user does, who clicks the picker, leaving the search box
    picker.select_option(str(person.pk))
    expect(page.get_by_test_id("preview")).to_contain_text("Hi Jane, welcome to Alpha Central")
    expect(page.locator("#errors-variables")).to_be_empty()
    screenshot(page, "template-editor")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("status")).to_have_text("Draft")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    template = MessageTemplate.objects.get(company=company)
    locmem.set_approval(template.content_sid, "approved")
    page.get_by_role("button", name="Sync status").click()
    expect(page.get_by_test_id("status")).to_have_text("Approved")
    screenshot(page, "template-approved")


def test_editing_an_approved_template_shows_the_warning(page, admin_user, approved_template):
    log_in(page, admin_user.email)
    page.goto(f"/settings/whatsapp/templates/{approved_template.pk}/")

    expect(page.get_by_test_id("approved-warning")).to_have_text(WARNING)
    page.get_by_label("Footer (optional)").fill("Reply STOP to opt out")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Template saved.")).to_be_visible()
    approved_template.refresh_from_db()
    assert approved_template.footer == "Reply STOP to opt out"
    assert approved_template.status == "approved"


def test_other_companys_template_404_and_sales_user_403(
    page, other_user, sales_user, approved_template
):
    log_in(page, other_user.email)
    response = page.goto(f"/settings/whatsapp/templates/{approved_template.pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()

    page.context.clear_cookies()
    log_in(page, sales_user.email)
    response = page.goto("/settings/whatsapp/templates/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_editor_takes_the_content_sid_of_a_template_made_in_twilio(page, admin_user, make_template):
    template = make_template(name="Made in Twilio")
    log_in(page, admin_user.email)
    page.goto(f"/settings/whatsapp/templates/{template.pk}/")

    page.get_by_label("This Template is Twilio approved").check()
    expect(page.locator("#errors-content_sid")).to_contain_text("needs its Content SID")
    page.get_by_label("Content SID (templates made in Twilio)").fill("HX123")
    expect(page.locator("#errors-content_sid")).to_contain_text("32 hexadecimal characters")
    sid = "HX" + "0123456789abcdef" * 2
    page.get_by_label("Content SID (templates made in Twilio)").fill(sid)
    expect(page.locator("#errors-content_sid")).to_be_empty()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Template saved.")).to_be_visible()
    template.refresh_from_db()
    assert (template.content_sid, template.twilio_approved, template.is_sendable) == (
        sid,
        True,
        True,
    )
