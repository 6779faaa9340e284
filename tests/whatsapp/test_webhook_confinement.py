"""A Twilio webhook acts only inside the account that signed it (issue 9, item 1), and STOP opts
out every person of the company with that number (item 10).
"""

import pytest

from gymsales.models import ConsentRecord, Note, Person
from tests.factories import PersonFactory
from tests.whatsapp.conftest import (
    OTHER_ACCOUNT_SID,
    OTHER_AUTH_TOKEN,
    OTHER_SENDER,
    inbound_params,
    status_params,
)
from whatsapp.models import Message, MessageStatus, WebhookEvent, WhatsAppSettings
from whatsapp.providers import locmem

pytestmark = pytest.mark.django_db
B_SID = "SM" + "b0" * 16


@pytest.fixture
def b_message(other_company, other_person, other_wa):
    """A message company B (other_company) sent through its own Twilio account."""
    return Message.objects.create(
        company=other_company,
        person=other_person,
        direction="outbound",
        status=MessageStatus.SENT,
        sid=B_SID,
        body="Hello Olga",
        to_number=other_person.phone_mobile,
    )


def _b_state(other_company, other_person) -> dict:
    """Everything of company B that a stray webhook could change."""
    settings = WhatsAppSettings.objects.get(company=other_company)
    other_person.refresh_from_db()
    return {
        "messages": list(
            Message.objects.filter(company=other_company)
            .order_by("id")
            .values_list("id", "status", "error_code", "sid")
        ),
        "notes": list(Note.objects.filter(company=other_company).values_list("id", flat=True)),
        "consents": ConsentRecord.objects.filter(company=other_company).count(),
        "opted_out": other_person.whatsapp_opted_out,
        "people": Person.objects.filter(company=other_company).count(),
        "settings": (
            settings.enabled,
            settings.suspended_reason,
            settings.suspended_at,
            settings.sends_held_until,
        ),
    }


def test_inbound_stop_signed_by_a_to_bs_sender_opts_out_nobody_in_b(
    post_webhook, wa, other_wa, other_company, other_person, person
):
    before = _b_state(other_company, other_person)
    # Company A's account and token (the signature is valid), B's sender and B's contact.
    params = {
        **inbound_params(other_person.phone_mobile, "STOP"),
        "To": f"whatsapp:{OTHER_SENDER}",
    }

    response = post_webhook("inbound", params)

    assert (response.status_code, response.content) == (200, b"")
    assert WebhookEvent.objects.get(pending__isnull=True)  # applied: it changed nothing
    assert _b_state(other_company, other_person) == before
    assert before["opted_out"] is False
    assert Message.objects.count() == 0  # nor anything in A: To is not A's sender
    person.refresh_from_db()
    assert person.whatsapp_opted_out is False


def test_inbound_to_a_new_number_signed_by_a_makes_no_lead_in_b(
    post_webhook, wa, other_wa, other_company, other_club, other_person
):
    params = {**inbound_params("+447700900555", "Prices?"), "To": f"whatsapp:{OTHER_SENDER}"}
    assert post_webhook("inbound", params).status_code == 200
    assert not Person.objects.filter(phone_mobile="+447700900555").exists()


def test_inbound_signed_by_b_to_bs_sender_still_reaches_b(
    post_webhook, wa, other_wa, other_company, other_person
):
    params = {
        **inbound_params(other_person.phone_mobile, "STOP"),
        "To": f"whatsapp:{OTHER_SENDER}",
        "AccountSid": OTHER_ACCOUNT_SID,
    }
    assert post_webhook("inbound", params, token=OTHER_AUTH_TOKEN).status_code == 200
    other_person.refresh_from_db()
    assert other_person.whatsapp_opted_out is True
    assert Message.objects.get().company_id == other_company.pk


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("delivered", ""),
        ("read", ""),
        ("failed", "63020"),  # would suspend B
        ("failed", "63018"),  # would hold B's sends
        ("failed", "63010"),  # would re-send B's message
        ("undelivered", "63024"),
    ],
)
def test_status_callback_signed_by_a_for_bs_message_changes_nothing(
    post_webhook, wa, b_message, other_company, other_person, status, code
):
    before = _b_state(other_company, other_person)

    response = post_webhook("status", status_params(B_SID, status, error_code=code))

    assert (response.status_code, response.content) == (200, b"")
    assert WebhookEvent.objects.get(pending__isnull=True)  # settled at once, not retried
    assert _b_state(other_company, other_person) == before
    assert locmem.outbox == []


def test_status_signed_by_a_cannot_suppress_bs_own_callback(
    post_webhook, wa, b_message, other_company
):
    # A replays B's SID first; B's genuine callback must not be taken for its duplicate.
    assert post_webhook("status", status_params(B_SID, "delivered")).status_code == 200
    genuine = {**status_params(B_SID, "delivered"), "AccountSid": OTHER_ACCOUNT_SID}
    assert post_webhook("status", genuine, token=OTHER_AUTH_TOKEN).status_code == 200
    assert Message.objects.get(pk=b_message.pk).status == "delivered"
    genuine_failure = {
        **status_params(B_SID, "failed", error_code="63003"),
        "AccountSid": OTHER_ACCOUNT_SID,
    }
    post_webhook("status", status_params(B_SID, "failed", error_code="63003"))
    assert Message.objects.get(pk=b_message.pk).status == "delivered"
    post_webhook("status", genuine_failure, token=OTHER_AUTH_TOKEN)
    assert Message.objects.get(pk=b_message.pk).error_code == "63003"


def test_status_callback_signed_by_b_for_bs_message_applies(post_webhook, wa, b_message):
    params = {**status_params(B_SID, "failed", error_code="63020"), "AccountSid": OTHER_ACCOUNT_SID}
    assert post_webhook("status", params, token=OTHER_AUTH_TOKEN).status_code == 200
    settings = WhatsAppSettings.objects.get(company=b_message.company_id)
    assert (settings.enabled, Message.objects.get(pk=b_message.pk).status) == (False, "failed")


# --- Item 10: STOP reaches every person with that number ---------------------------------------


def test_stop_opts_out_every_person_of_the_company_with_that_number(
    post_webhook, wa, company, club, person, other_wa, other_company, other_club
):
    twin = PersonFactory(company=company, club=club, phone_mobile=person.phone_mobile)
    third = PersonFactory(company=company, club=club, phone_mobile=person.phone_mobile)
    elsewhere = PersonFactory(
        company=other_company, club=other_club, phone_mobile=person.phone_mobile
    )

    post_webhook("inbound", inbound_params(person.phone_mobile, "STOP", sid="SM" + "5" * 32))

    opted = dict(
        Person.objects.filter(phone_mobile=person.phone_mobile).values_list(
            "pk", "whatsapp_opted_out"
        )
    )
    assert opted == {person.pk: True, twin.pk: True, third.pk: True, elsewhere.pk: False}
    assert ConsentRecord.objects.filter(company=company, source="keyword").count() == 3

    post_webhook("inbound", inbound_params(person.phone_mobile, "START", sid="SM" + "6" * 32))
    assert not Person.objects.filter(company=company, whatsapp_opted_out=True).exists()
