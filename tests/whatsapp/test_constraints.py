"""Constraints the database keeps, not racy checks: one sender per company, template names unique
per company whatever their case, and one lead for a new number however many workers see it."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from gymsales.models import Person
from gymsales.tenancy import all_companies
from tests.whatsapp.conftest import OTHER_SENDER, SENDER, enable, inbound_params, make_template
from whatsapp import services
from whatsapp.models import Message, WhatsAppSettings
from whatsapp.providers.twilio import webhooks as twilio

WAIT = 30


def test_two_companies_cannot_share_a_sender_number(wa, other_wa):
    with pytest.raises(IntegrityError), transaction.atomic():
        WhatsAppSettings.objects.filter(pk=other_wa.pk).update(sender_number=SENDER)

    assert WhatsAppSettings.objects.get(pk=other_wa.pk).sender_number == OTHER_SENDER


def test_companies_without_a_sender_are_not_in_conflict(company, other_company):
    WhatsAppSettings.objects.update(sender_number="")

    assert WhatsAppSettings.objects.filter(sender_number="").count() == 2


def test_api_answers_422_when_the_sender_is_taken(api, superuser, wa, other_company):
    response = api(superuser).put(
        f"/api/v1/companies/{other_company.pk}/whatsapp",
        {"sender_number": SENDER},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "sender_number": ["Another company already uses this sender number."]
    }
    assert WhatsAppSettings.objects.get(company=other_company).sender_number != SENDER


def test_django_admin_refuses_a_sender_of_another_company(client, superuser, wa, other_wa):
    client.force_login(superuser)
    response = client.post(
        f"/admin/whatsapp/whatsappsettings/{other_wa.pk}/change/",
        {
            "company": other_wa.company_id,
            "enabled": "on",
            "sender_number": SENDER,
            "twilio_account_sid": other_wa.twilio_account_sid,
            "twilio_auth_token": "",
            "messaging_service_sid": "",
            "messaging_limit": "250",
            "max_messages_per_second": "80",
            "suspended_reason": "",
            "sends_held_until": "",
        },
    )

    assert response.status_code == 200  # the form again, with its error
    assert "Another company already uses this sender number." in response.content.decode()
    assert WhatsAppSettings.objects.get(pk=other_wa.pk).sender_number == OTHER_SENDER


def test_template_names_are_unique_per_company_whatever_the_case(company, other_company):
    make_template(company, name="Welcome")
    make_template(other_company, name="WELCOME")  # another company may use the name

    with pytest.raises(IntegrityError), transaction.atomic():
        make_template(company, name="wELCOME")

    assert sorted(t.name for t in company_templates(company)) == ["Welcome"]


def company_templates(company):
    from templates_app.models import MessageTemplate

    return MessageTemplate.objects.filter(company=company)


@pytest.mark.django_db(transaction=True)
def test_two_first_messages_from_one_number_make_one_lead(company, club):
    """The first message's transaction stays open while the second is applied: the second must
    wait for it and find its lead, not make another."""
    enable(company)
    phone = "+447700900555"
    first_applied, release_first = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def apply(sid: str, hold: bool) -> None:
        try:
            with all_companies(), transaction.atomic():
                services.inbound_record(
                    event=twilio.inbound_event(inbound_params(phone, "Hi", sid=sid))
                )
                if hold:
                    first_applied.set()
                    assert release_first.wait(WAIT)
        except BaseException as exc:
            errors.append(exc)
            first_applied.set()
        finally:
            connection.close()

    first = threading.Thread(target=apply, args=("SM" + "1" * 32, True))
    second = threading.Thread(target=apply, args=("SM" + "2" * 32, False))
    first.start()
    assert first_applied.wait(WAIT)
    second.start()
    _wait_until_blocked_or_done(second)
    release_first.set()
    first.join(WAIT)
    second.join(WAIT)

    assert errors == []
    with all_companies():
        people = list(Person.objects.filter(company=company, phone_mobile=phone))
        assert len(people) == 1
        assert people[0].whatsapp_messages.count() == 2


def _wait_until_blocked_or_done(thread: threading.Thread) -> None:
    """Until the thread has finished, or waits for a lock another transaction holds."""
    import time

    deadline = time.monotonic() + WAIT
    while thread.is_alive() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
        thread.join(0.05)


def test_two_messages_cannot_share_a_sid(company, person):
    """message_sid_unique (a constraint since whatsapp 0008, which dropped the unused pattern
    index unique=True added): a SID names one message."""
    Message.objects.create(
        company=company, person=person, direction="outbound", sid="SM" + "e" * 32
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            company=company, person=person, direction="outbound", sid="SM" + "e" * 32
        )

    assert Message.objects.create(company=company, person=person, direction="outbound").sid is None
    assert Message.objects.create(company=company, person=person, direction="outbound").sid is None


def test_messages_are_found_by_sid_and_by_person_through_an_index(company, person):
    """The indexes whatsapp 0008 keeps serve the status callbacks' SID lookup and the Client
    Profile's history (the planner told not to read the whole table)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for name, sql, params in [
            ("sid", "SELECT id FROM whatsapp_message WHERE sid = ANY(%s)", [["SM1", "SM2"]]),
            (
                "history",
                "SELECT id FROM whatsapp_message WHERE person_id = %s"
                " ORDER BY created_at DESC, id DESC LIMIT 50",
                [person.pk],
            ),
        ]:
            cursor.execute("EXPLAIN " + sql, params)
            plans[name] = " ".join(row[0] for row in cursor.fetchall())

    assert "message_sid_unique" in plans["sid"]
    assert "whatsapp_me_person__fa11f3_idx" in plans["history"]
