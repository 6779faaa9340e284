"""Page views through Django's test client (the browser tests are in test_pages_e2e.py)."""

from templates_app.models import MessageTemplate

BASE = "/settings/whatsapp/templates/"
FORM = {
    "name": "Welcome new lead",
    "category": "utility",
    "language": "en",
    "body": "Hi {{1}}, thanks for your interest in {{2}}! Reply here to book your free trial.",
    "var_1_source": "first_name",
    "var_2_source": "club_name",
    "variable_numbers": "1,2",
}


def test_list_filters_and_badges(client, admin_user, make_template, django_assert_num_queries):
    make_template(name="Promo", category="marketing", status="approved")
    make_template(name="Draft one", category="utility")
    client.force_login(admin_user)

    page = client.get(BASE, {"status": "approved"}).content.decode()

    assert "Promo" in page and "Draft one" not in page
    assert '<span class="badge badge-approved">Approved</span>' in page


def test_create_via_form_then_edit_shows_no_warning(client, admin_user, company):
    client.force_login(admin_user)

    response = client.post(f"{BASE}new/", FORM)

    template = MessageTemplate.objects.get(company=company)
    assert response.status_code == 302
    assert response["Location"] == f"{BASE}{template.pk}/"
    assert template.variables == {"1": {"field": "first_name"}, "2": {"field": "club_name"}}
    assert "Twilio-approved" not in client.get(f"{BASE}{template.pk}/").content.decode()


def test_invalid_form_shows_errors_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)

    response = client.post(f"{BASE}new/", {**FORM, "footer": "Bye {{1}}"})

    assert response.status_code == 422
    assert "The footer may not have variables." in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_validate_endpoint_returns_errors_and_preview_for_person(client, admin_user, person):
    client.force_login(admin_user)

    html = client.post(
        f"{BASE}validate/", {**FORM, "preview_person": person.pk, "footer": "x" * 61}
    ).content.decode()

    assert "Hi Jane, thanks for your interest in Alpha Central!" in html
    assert "The footer is at most 60 characters." in html
    assert 'id="variables"' not in html  # variables unchanged → not redrawn


def test_validate_redraws_variables_when_they_change(client, admin_user):
    client.force_login(admin_user)

    html = client.post(
        f"{BASE}validate/", {**FORM, "body": FORM["body"] + " See {{3}} there."}
    ).content.decode()

    assert 'id="variables" hx-swap-oob="true"' in html
    assert 'name="var_3_source"' in html


def test_sales_user_gets_403_and_other_company_404(client, sales_user, other_user, make_template):
    template = make_template()
    client.force_login(sales_user)
    assert client.get(BASE).status_code == 403
    client.force_login(other_user)
    assert client.get(f"{BASE}{template.pk}/").status_code == 404
    assert client.post(f"{BASE}{template.pk}/delete/").status_code == 404
    assert MessageTemplate.objects.filter(pk=template.pk).exists()
