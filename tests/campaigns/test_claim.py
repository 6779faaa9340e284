"""The claim fills each recipient's variables from its claimed row with the template compiled once
per slice: the same text, variables and note as rendering the template for that person one by
one, and a recipient missing a value is not sent."""

from __future__ import annotations

import copy
import json

import pytest
from django.utils import timezone

from automations.campaigns import dispatch, services
from automations.models import CampaignRecipient
from gymsales.models import Note
from templates_app.rendering import PERSON_FIELDS, template_render
from tests.automations.conftest import make_template
from tests.campaigns.conftest import make_campaign
from tests.factories import PersonFactory, UserFactory
from whatsapp.models import Message

pytestmark = pytest.mark.django_db


def test_a_claimed_row_reads_every_person_field():
    assert set(dispatch._ROW_FIELDS) | {"company_name"} == set(PERSON_FIELDS)


def _claim_all(campaign):
    services.campaign_fan_out(campaign_id=campaign.pk)
    campaign.status = "running"
    campaign.save()
    ctx = dispatch._context(campaign.pk)
    return dispatch.claim(ctx, 100, timezone.now(), dispatch._Renderer(ctx.campaign))


def test_claim_fills_each_person_as_template_render_does(company, club, whatsapp_on, admin_user):
    fields = [*PERSON_FIELDS, "fixed"]
    template = make_template(
        company,
        name="Every field",
        body=" | ".join(f"{{{{{n}}}}}" for n in range(1, len(fields) + 1)) + " — see you!",
        header={"type": "text", "text": "Hello {{1}}"},
        variables={
            str(n): ({"value": "  Fixed text "} if f == "fixed" else {"field": f})
            for n, f in enumerate(fields, start=1)
        },
    )
    owner = UserFactory(company=company, club=club, first_name="Olga", last_name="Owner")
    with_owner = PersonFactory(
        company=company, club=club, owner=owner, first_name=" Ann ", last_name="Lee"
    )
    single_name = PersonFactory(
        company=company, club=club, owner=owner, first_name="Bo", last_name=""
    )
    # The owner's fields are empty without one: refused, as a 1:1 send would be.
    no_owner = PersonFactory(company=company, club=club, first_name="Cy", last_name="Do")
    # The campaign's own mapping wins over the template's.
    campaign = make_campaign(company, template, admin_user, variables={"2": {"value": "Over"}})

    jobs = _claim_all(campaign)

    assert {job.to for job in jobs} == {with_owner.phone_mobile, single_name.phone_mobile}
    merged = copy.copy(template)
    merged.variables = {**template.variables, **campaign.variables}
    for person in (with_owner, single_name):
        expected = template_render(template=merged, person=person)
        message = Message.objects.get(person=person, origin="campaign")
        assert message.body == expected.text
        assert message.content_variables == expected.content_variables
        job = next(j for j in jobs if j.message_id == message.pk)
        assert json.loads(job.content) == expected.content_variables
        note = Note.objects.get(message_link__message=message)
        assert note.text == (
            f"WhatsApp sent to {person.full_name} (campaign {campaign.name}): {expected.text}"
        )
    refused = CampaignRecipient.objects.get(campaign=campaign, person=no_owner)
    assert (refused.state, refused.reason, refused.message_id) == (
        "not_sent",
        "missing_variable",
        None,
    )
    # Each claim's message id was taken in the claim: recipient, job and message agree.
    for job in jobs:
        recipient = CampaignRecipient.objects.get(pk=job.recipient_id)
        assert recipient.message_id == job.message_id
        assert Message.objects.get(pk=job.message_id).person_id == recipient.person_id
    assert not Message.objects.filter(person=no_owner).exists()


def test_claim_without_a_content_template_sends_the_text(company, club, whatsapp_on, admin_user):
    template = make_template(company, name="Plain", content_sid="", body="Hi {{1}}!")
    person = PersonFactory(company=company, club=club, first_name="Dee")
    campaign = make_campaign(company, template, admin_user)

    (job,) = _claim_all(campaign)

    assert (job.to, job.content) == (person.phone_mobile, "Hi Dee!")
