"""Campaign and recipient rows: one recipient per person and campaign, tenant-scoped managers."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scope

from automations.models import Campaign, CampaignRecipient
from tests.automations.conftest import make_template


@pytest.fixture
def campaign(company, admin_user):
    return Campaign.objects.create(
        company=company,
        name="December offer",
        template=make_template(company),
        created_by=admin_user,
    )


def test_a_person_is_a_recipient_of_a_campaign_once(campaign, person):
    CampaignRecipient.objects.create(
        company=campaign.company, campaign=campaign, person=person, phone=person.phone_mobile
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignRecipient.objects.create(
            company=campaign.company, campaign=campaign, person=person, phone=person.phone_mobile
        )
    assert campaign.recipients.count() == 1


def test_another_company_scope_does_not_see_the_campaign(campaign, other_company):
    with scope(company=other_company.pk):
        assert not Campaign.objects.filter(pk=campaign.pk).exists()
    with scope(company=campaign.company_id):
        assert Campaign.objects.get(pk=campaign.pk).is_editable
