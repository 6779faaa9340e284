"""A campaign's template cannot be deleted (PROTECT): the API answers 409, the page says why."""

from __future__ import annotations

import pytest

from templates_app.models import MessageTemplate
from tests.campaigns.conftest import make_campaign

pytestmark = pytest.mark.django_db


def test_deleting_a_campaigns_template_is_a_409_and_keeps_it(api, admin_user, company, template):
    make_campaign(company, template)
    response = api(admin_user).delete(f"/api/v1/whatsapp/templates/{template.pk}")
    assert response.status_code == 409
    assert response.json()["code"] == "template_in_use"
    assert MessageTemplate.objects.filter(pk=template.pk).exists()


def test_the_delete_button_explains_instead_of_failing(client, admin_user, company, template):
    make_campaign(company, template)
    client.force_login(admin_user)
    response = client.post(f"/settings/whatsapp/templates/{template.pk}/delete/", follow=True)
    assert response.status_code == 200
    assert "is used by a campaign" in response.content.decode()
    assert MessageTemplate.objects.filter(pk=template.pk).exists()
