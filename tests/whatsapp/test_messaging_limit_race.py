"""The messaging limit holds under concurrency: counting and sending are not check-then-act."""

import threading
import time

import pytest
from django.db import connection

from gymsales.errors import DomainError
from gymsales.models import Person
from gymsales.tenancy import company_scope
from tests.factories import PersonFactory
from whatsapp import rules, services
from whatsapp.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_sends_at_the_limit_reach_one_new_person(
    company, club, wa, template, monkeypatch
):
    already = Person.objects.bulk_create(
        PersonFactory.build(company=company, club=club) for _ in range(249)
    )
    Message.objects.bulk_create(
        Message(
            company=company,
            person=p,
            direction="outbound",
            status="delivered",
            business_initiated=True,
            template=template,
        )
        for p in already
    )
    newcomers = [PersonFactory(company=company, club=club) for _ in range(2)]

    # Widen the window between counting and recording, where a race would let both through.
    counted = rules.send_refusal

    def slow_refusal(facts):
        if facts.people_reached_24h:
            time.sleep(0.3)
        return counted(facts)

    monkeypatch.setattr(rules, "send_refusal", slow_refusal)
    start = threading.Barrier(2)
    outcomes = []

    def send(person):
        try:
            with company_scope(company):
                start.wait()
                services.message_send(person=person, user=None, template=template)
            outcomes.append("sent")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(p,)) for p in newcomers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(outcomes) == ["limit_reached", "sent"]
    assert Message.objects.filter(person__in=newcomers).count() == 1
