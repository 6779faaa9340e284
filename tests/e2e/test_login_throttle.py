"""The log-in page's throttling in real Chromium (API.md Conventions)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gymsales.login_throttle import MESSAGE
from tests.conftest import log_in
from tests.factories import PASSWORD
from tests.gymsales.conftest import THROTTLE_LIMIT as LIMIT
from tests.gymsales.conftest import throttle  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("throttle")
def test_login_page_says_to_try_again_later_and_lets_others_in(page, sales_user):
    page.goto("/accounts/login/")
    for _ in range(LIMIT):
        page.get_by_label("Email").fill(sales_user.email)
        page.get_by_label("Password").fill("wrong-password")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="Log in").click()

    assert posted.value.status == 429
    assert int(posted.value.headers["retry-after"]) == 15 * 60
    expect(page.get_by_test_id("throttled")).to_have_text(MESSAGE)
    page.get_by_label("Email").fill(sales_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("throttled")).to_be_visible()  # the right password too, for now

    log_in(page, "manager@alpha.test")  # another account from the same address
    assert page.url.endswith("/people/")
