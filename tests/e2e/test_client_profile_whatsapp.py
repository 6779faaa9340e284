"""The Client Profile's WhatsApp, in real Chromium: seeds 000 and 001, labels included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gymsales.models import NoteKind, Person
from tests.conftest import log_in, screenshot
from tests.ui.conftest import add_messages, add_note, simulate_inbound, status_callback
from whatsapp.models import Direction, Message

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIVE = 6_000  # ms: the history polls every 3 s


def open_profile(page, user, person):
    log_in(page, user.email)
    page.goto(f"/people/{person.pk}/")


def test_inactive_session_sends_a_read_only_template_and_shows_its_status_live(
    page, sales_user, person, whatsapp_on, welcome_template
):
    open_profile(page, sales_user, person)
    expect(page.locator("#mobile-line").get_by_text("Active", exact=True)).to_have_count(0)
    page.locator("#mobile-line").get_by_role("link", name="WhatsApp").click()

    dialog = page.get_by_role("dialog", name="New WhatsApp")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Free text")).to_have_count(0)
    dialog.get_by_label("Template", exact=True).select_option(label="Welcome")
    preview = dialog.get_by_label("Preview (read-only)")
    expect(preview).to_have_value(
        "Hi Jane, welcome to Alpha Central! Reply to book your first visit."
    )
    expect(preview).to_have_attribute("readonly", "")
    screenshot(page, "new-whatsapp-inactive")
    dialog.get_by_role("button", name="Send").click()

    expect(dialog).to_be_hidden(timeout=LIVE)
    sent = page.locator("#history li.log-outbound").first
    expect(sent).to_contain_text("Hi Jane, welcome to Alpha Central!")
    message = Message.objects.get(person=person)
    assert message.template_id == welcome_template.pk
    status_callback(message, "delivered")
    status_callback(message, "read")
    expect(sent.locator(".badge")).to_have_text("Read", timeout=LIVE)
    screenshot(page, "client-profile")


def test_active_session_allows_free_text_with_a_stop_at_1024_characters(
    page, sales_user, person, whatsapp_on, welcome_template
):
    simulate_inbound(person, "Hi, what are your opening hours?")
    open_profile(page, sales_user, person)
    expect(page.locator("#mobile-line").get_by_text("Active", exact=True)).to_be_visible()
    page.get_by_text("Action", exact=True).click()
    page.get_by_role("menuitem", name="Send WhatsApp").click()

    dialog = page.get_by_role("dialog", name="New WhatsApp")
    dialog.get_by_label("Template", exact=True).select_option(label="Welcome")
    expect(dialog.get_by_label(re.compile("you may edit the Template"))).to_be_editable()
    dialog.get_by_label("Free text").check()
    message = dialog.get_by_label("Message", exact=True)
    message.fill("x" * 1100)
    expect(message).to_have_value("x" * 1024)
    expect(dialog.locator("#wa-counter")).to_contain_text("1024 / 1024 characters · limit reached")
    screenshot(page, "new-whatsapp-active")
    message.fill("We are open 6am to 10pm. See you soon!")
    expect(dialog.locator("#wa-count")).to_have_text("38")
    dialog.get_by_role("button", name="Send").click()

    expect(page.locator("#history li.log-outbound").first).to_contain_text(
        "We are open 6am to 10pm."
    )
    sent = Message.objects.get(person=person, direction=Direction.OUTBOUND)
    assert (sent.body, sent.template_id) == ("We are open 6am to 10pm. See you soon!", None)


def test_refusal_is_shown_in_plain_words_and_nothing_is_sent(
    page, sales_user, person, whatsapp_on, welcome_template
):
    open_profile(page, sales_user, person)
    page.locator("#mobile-line").get_by_role("link", name="WhatsApp").click()
    dialog = page.get_by_role("dialog", name="New WhatsApp")
    dialog.get_by_label("Template", exact=True).select_option(label="Welcome")
    # The dialog shows the Template (its re-render done), and only then the person opts out.
    expect(dialog.get_by_label("Preview (read-only)")).to_be_visible()
    Person.objects.filter(pk=person.pk).update(whatsapp_opted_out=True)  # meanwhile, by the API
    dialog.get_by_role("button", name="Send").click()

    expect(dialog.get_by_role("alert")).to_contain_text("opted out")
    assert not Message.objects.filter(person=person).exists()


def test_opt_out_asks_for_confirmation_then_is_greyed_out_and_not_selectable(
    page, sales_user, person, whatsapp_on
):
    open_profile(page, sales_user, person)
    opt_out = page.locator("#mobile-line").get_by_role("button", name="Opt-Out")
    page.once("dialog", lambda confirm: confirm.dismiss())
    opt_out.click()
    person.refresh_from_db()
    assert person.whatsapp_opted_out is False

    page.once("dialog", lambda confirm: confirm.accept())
    opt_out.click()

    done = page.locator("#mobile-line .optout-done")
    expect(done).to_have_text("Opt-Out")
    expect(done).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#mobile-line").get_by_role("button", name="Opt-Out")).to_have_count(0)
    expect(page.locator("#mobile-line").get_by_role("link", name="WhatsApp")).to_have_count(0)
    person.refresh_from_db()
    assert person.whatsapp_opted_out is True


def test_history_filter_and_show_reply_on_every_message(page, sales_user, person, whatsapp_on):
    add_messages(person, 2)
    add_messages(person, 1, direction=Direction.INBOUND)
    add_note(person, text="WhatsApp message to Jane Doe failed: Recipient has blocked your number.")
    open_profile(page, sales_user, person)
    history = page.locator("#history")
    expect(history.locator("li.log")).to_have_count(4)
    expect(history.get_by_text("Show", exact=True)).to_have_count(3)
    expect(history.get_by_role("link", name="Reply")).to_have_count(3)

    history.get_by_role("link", name="WhatsApp Received").click()
    expect(history.locator("li.log")).to_have_count(1)
    expect(history.locator("li.log-inbound")).to_have_count(1)
    page.locator("#history").get_by_role("link", name="Errors").click()
    expect(page.locator("#history li.log")).to_have_count(1)
    expect(page.locator("#history li.log")).to_contain_text("Recipient has blocked your number.")
    page.locator("#history").get_by_role("link", name="WhatsApp Sent").click()
    expect(page.locator("#history li.log-outbound")).to_have_count(2)

    page.locator("#history").get_by_text("Show", exact=True).first.click()
    expect(page.locator("#history .log-full").first).to_be_visible()
    page.locator("#history").get_by_role("link", name="Reply").first.click()
    dialog = page.get_by_role("dialog", name="New WhatsApp")
    expect(dialog.locator("#wa-session-notice")).to_contain_text("only an approved Template")


def test_inbound_message_appears_live_with_active_and_counters(
    page, sales_user, person, whatsapp_on
):
    open_profile(page, sales_user, person)
    expect(page.locator("#history li.log")).to_have_count(0)

    simulate_inbound(person, "Can I book a tour tomorrow?")

    expect(page.locator("#history li.log-inbound")).to_contain_text(
        "Can I book a tour tomorrow?", timeout=LIVE
    )
    expect(page.locator("#mobile-line").get_by_text("Active", exact=True)).to_be_visible()
    expect(page.locator("#activity-tracker")).to_contain_text("Membership")
    page.locator("#history").get_by_role("link", name="Reply").click()
    expect(
        page.get_by_role("dialog", name="New WhatsApp").get_by_label("Free text")
    ).to_be_checked()


def test_disabled_company_hides_whatsapp_actions_but_shows_counters(
    page, sales_user, person, locmem_backend
):
    add_messages(person, 2)
    open_profile(page, sales_user, person)

    expect(page.get_by_role("heading", name="Activity Tracker")).to_be_visible()
    expect(page.locator("#activity-tracker tbody tr").first).to_contain_text("Membership")
    expect(page.locator("#activity-tracker tbody tr").first).to_contain_text("2")
    for name in ("WhatsApp", "Reply"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    expect(page.get_by_text("Opt-Out")).to_have_count(0)
    expect(page.get_by_text("Action", exact=True)).to_have_count(0)


def test_another_companys_profile_is_not_found(page, sales_user, other_person):
    log_in(page, sales_user.email)
    response = page.goto(f"/people/{other_person.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Olga")).to_have_count(0)


def test_newsfeed_filters_notes_by_kind(page, sales_user, person, whatsapp_on):
    add_note(
        person, text="WhatsApp message to Jane Doe failed: Channel could not find the To address."
    )
    add_note(person, kind=NoteKind.OPT_OUT, text="Jane Doe opted out of WhatsApp.")
    log_in(page, sales_user.email)
    page.get_by_role("link", name="Newsfeed").click()
    expect(page.locator("#newsfeed-results tbody tr")).to_have_count(2)

    page.get_by_label("Kind").select_option(label="WhatsApp error")
    expect(page.locator("#newsfeed-results tbody tr")).to_have_count(1)
    expect(page.locator("#newsfeed-results")).to_contain_text("could not find the To address")
    assert "kind=whatsapp_error" in page.url
    screenshot(page, "newsfeed")
