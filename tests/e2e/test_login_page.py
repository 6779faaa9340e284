import pytest

from tests.conftest import log_in, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_with_email_and_password_opens_people_list(page, sales_user, person):
    log_in(page, sales_user.email)

    assert page.url.endswith("/people/")
    assert page.get_by_role("heading", name="People").is_visible()
    assert page.get_by_role("link", name="Jane Doe").is_visible()
    screenshot(page, "people-list")


def test_login_with_wrong_password_shows_error_and_stays(page, sales_user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(sales_user.email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()

    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").is_visible()
    screenshot(page, "login-error")
