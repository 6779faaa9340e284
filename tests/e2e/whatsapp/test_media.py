"""Inbound media in real Chromium: an image from Twilio shows inline, a script link never."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import log_in, screenshot
from tests.whatsapp.test_media import PNG, TWILIO_MEDIA, with_media
from whatsapp.providers import locmem
from whatsapp.providers.media import MediaContent


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_browser_shows_the_image_inline_and_no_script_link(
    page, post_webhook, person, wa, sales_user
):
    post_webhook(
        "inbound",
        with_media(person, (TWILIO_MEDIA, "image/png"), ("javascript:alert(1)", "image/png")),
    )
    locmem.media[TWILIO_MEDIA] = MediaContent("image/png", PNG)
    log_in(page, sales_user.email)
    page.goto(f"/people/{person.pk}/")

    page.locator("#history li.log-inbound").first.get_by_text("Show", exact=True).click()
    image = page.get_by_role("img", name="Image sent by Jane Doe")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => [...document.images].some((i) => i.alt.startsWith('Image sent') && i.naturalWidth > 0)"
    )
    assert page.locator("a[href^='javascript']").count() == 0
    expect(page.get_by_text("its link is not safe to show")).to_be_visible()
    screenshot(page, "inbound-media")
