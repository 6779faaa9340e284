import re

import pytest

from tests.conftest import log_in, screenshot
from tests.factories import PersonFactory
from whatsapp.models import WhatsAppSettings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TOKEN = "tok_admin_secret_9d1e"


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


def test_logout_returns_to_login_and_pages_need_login_again(page, sales_user):
    log_in(page, sales_user.email)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/people/")

    assert "/accounts/login/?next=/people/" in page.url


def test_search_people_and_open_a_profile(page, sales_user, company, club, person, other_person):
    PersonFactory(company=company, club=club, first_name="Bob", last_name="Baker")
    log_in(page, sales_user.email)

    page.get_by_label("Search people").fill("bak")
    bob = page.get_by_role("link", name="Bob Baker")
    bob.wait_for()
    page.get_by_role("link", name="Jane Doe").wait_for(state="detached")
    assert "q=bak" in page.url

    page.get_by_label("Search people").fill("Olga")
    page.get_by_text("No people match").wait_for()

    page.get_by_label("Search people").fill("jane")
    page.get_by_role("link", name="Jane Doe").click()
    page.wait_for_url(f"**/people/{person.pk}/")
    assert page.get_by_role("heading", name=re.compile("Jane Doe")).is_visible()
    details = page.locator("dl.details").inner_text()
    assert person.phone_mobile in details
    assert person.email in details
    assert "Alpha Central" in details
    screenshot(page, "person-profile")


def test_other_companys_profile_is_a_404_page(page, sales_user, other_person):
    log_in(page, sales_user.email)

    response = page.goto(f"/people/{other_person.pk}/")

    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert "Olga" not in page.content()


def test_platform_admin_enables_whatsapp_in_the_admin_without_seeing_the_token(
    page, superuser, company
):
    WhatsAppSettings.objects.filter(company=company).update(twilio_auth_token=TOKEN)
    settings_id = WhatsAppSettings.objects.get(company=company).pk
    log_in(page, superuser.email)
    assert "/admin/" in page.url

    page.goto(f"/admin/whatsapp/whatsappsettings/{settings_id}/change/")
    assert TOKEN not in page.content()
    assert page.locator("#id_twilio_auth_token").input_value() == ""
    page.get_by_label("Enabled").check()
    page.locator("#id_sender_number").fill("+14155550100")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/whatsapp/whatsappsettings/")

    assert TOKEN not in page.content()
    stored = WhatsAppSettings.objects.get(company=company)
    assert stored.enabled is True
    assert stored.sender_number == "+14155550100"
    assert stored.twilio_auth_token == TOKEN
    page.goto(f"/admin/whatsapp/whatsappsettings/{settings_id}/change/")
    assert TOKEN not in page.content()
    screenshot(page, "admin-whatsapp-settings")
