"""Company Settings > Automated Items pages: admins only, one company's items, approved templates."""

from __future__ import annotations

import pytest

from automations.models import AutomatedItem, AutomationRun, RunState, TriggerEvent
from tests.automations.conftest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_sales_and_managers_cannot_open_settings_pages(
    client, sales_user, manager_user, welcome_item
):
    for user in (sales_user, manager_user):
        client.force_login(user)
        for url in (
            "/settings/automations/",
            "/settings/automations/new/",
            f"/settings/automations/{welcome_item.pk}/",
            f"/settings/automations/{welcome_item.pk}/runs/",
        ):
            assert client.get(url).status_code == 403


def test_other_company_item_pages_are_404(client, other_user, welcome_item):
    client.force_login(other_user)

    assert b"Welcome new leads" not in client.get("/settings/automations/").content
    for url in (
        f"/settings/automations/{welcome_item.pk}/",
        f"/settings/automations/{welcome_item.pk}/runs/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/settings/automations/{welcome_item.pk}/delete/").status_code == 404
    assert AutomatedItem.objects.filter(pk=welcome_item.pk).exists()


def test_template_picker_lists_only_my_approved_templates(
    admin_client, approved_template, pending_template, other_template
):
    html = admin_client.get("/settings/automations/new/").content.decode()

    assert f'value="{approved_template.pk}"' in html
    assert f'value="{pending_template.pk}"' not in html
    assert f'value="{other_template.pk}"' not in html
    assert "Create Task (not yet available)" in html


def test_description_partial_shows_only_approved_templates_of_my_company(
    admin_client, approved_template, pending_template, other_template
):
    url = "/settings/automations/template-description/?template_id="

    assert (
        approved_template.body in admin_client.get(f"{url}{approved_template.pk}").content.decode()
    )
    for hidden in (pending_template, other_template):
        assert hidden.body not in admin_client.get(f"{url}{hidden.pk}").content.decode()


def test_posting_an_unapproved_template_is_refused(admin_client, pending_template):
    response = admin_client.post(
        "/settings/automations/new/",
        {
            "name": "Sneaky",
            "kind": "send_whatsapp",
            "trigger_event": "lead_created",
            "delay_minutes": 0,
            "template_id": pending_template.pk,
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not AutomatedItem.objects.exists()


def test_posting_a_placeholder_kind_says_not_yet_available(admin_client, approved_template):
    response = admin_client.post(
        "/settings/automations/new/",
        {
            "name": "Call them",
            "kind": "create_task",
            "trigger_event": "lead_created",
            "delay_minutes": 0,
            "template_id": approved_template.pk,
        },
    )

    assert "Create Task is not yet available" in response.content.decode()
    assert not AutomatedItem.objects.exists()


def test_runs_page_query_count_does_not_grow_with_history(
    admin_client, welcome_item, company, club, django_assert_num_queries
):
    from tests.factories import PersonFactory

    for n in range(5):
        AutomationRun.objects.create(
            company=company,
            item=welcome_item,
            person=PersonFactory(company=company, club=club),
            event=TriggerEvent.LEAD_CREATED,
            event_key="lead",
            state=RunState.SKIPPED if n % 2 else RunState.PENDING,
            reason="This person opted out of WhatsApp." if n % 2 else "",
        )
    url = f"/settings/automations/{welcome_item.pk}/runs/"
    # session, user, company, item, count, the page of runs with people and messages
    with django_assert_num_queries(6):
        response = admin_client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("This person opted out of WhatsApp.") == 2


def test_list_page_query_count_is_constant(
    admin_client, company, approved_template, django_assert_num_queries
):
    for n in range(4):
        make_item(company, approved_template, name=f"Item {n}")
    # session, user, company, the items with template and run counts
    with django_assert_num_queries(4):
        response = admin_client.get("/settings/automations/")

    assert response.content.decode().count("Run history") == 4


def test_demo_seed_creates_one_active_welcome_item(company, approved_template):
    from automations import demo

    demo.seed(company=company, users={})
    lines = demo.seed(company=company, users={})

    item = AutomatedItem.objects.get()
    assert (item.name, item.trigger_event, item.delay_minutes, item.template_id, item.active) == (
        "Welcome new leads",
        "lead_created",
        0,
        approved_template.pk,
        True,
    )
    assert lines == [
        'Automated Item "Welcome new leads": new leads get the "Welcome new lead" template.'
    ]


def test_demo_seed_skips_without_the_welcome_template(company):
    from automations import demo

    assert demo.seed(company=company, users={}) == [
        'Automated Item "Welcome new leads" skipped: no "Welcome new lead" template.'
    ]
    assert not AutomatedItem.objects.exists()
