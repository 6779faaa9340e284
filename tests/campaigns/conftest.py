"""Campaign fixtures: WhatsApp on through the real `twilio` backend aimed at a local stateful
stand-in (tests.campaigns.standin), an approved template, people in bulk, a worker on the
`campaigns` queue."""

from __future__ import annotations

import pytest
from django.utils import timezone

from automations.models import Campaign
from gymsales.models import Person
from tests.automations.conftest import make_template
from tests.campaigns.standin import TwilioStandIn


@pytest.fixture
def standin(settings):
    server = TwilioStandIn().start()
    settings.TWILIO_API_BASE = server.base_url
    settings.WHATSAPP_BACKEND = "twilio"
    yield server
    server.stop()


@pytest.fixture
def whatsapp_on(company):
    settings = company.whatsapp
    settings.enabled = True
    settings.sender_number = "+14155238886"
    settings.twilio_account_sid = "AC" + "a" * 32
    settings.twilio_auth_token = "token-a"
    settings.messaging_limit = None
    settings.max_messages_per_second = 1000
    settings.save()
    return settings


@pytest.fixture
def template(company):
    return make_template(company, name="December offer")


def make_people(company, club, n, *, start=0, **extra) -> list[Person]:
    people = [
        Person(
            company=company,
            club=club,
            first_name=f"P{start + i}",
            last_name="Test",
            phone_mobile=f"+4477009{start + i:05d}",
            **extra,
        )
        for i in range(n)
    ]
    return Person.objects.bulk_create(people)


def make_campaign(company, template, user=None, **extra) -> Campaign:
    return Campaign.objects.create(
        company=company,
        name=extra.pop("name", "December offer"),
        template=template,
        created_by=user,
        audience=extra.pop("audience", {}),
        created_at=timezone.now(),
        **extra,
    )


@pytest.fixture
def campaign_worker(transactional_db, settings):
    """A real Celery worker (threads) on the `campaigns` queue and the default one."""
    from celery.contrib.testing.worker import start_worker

    from gymsales.celery import app

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with start_worker(
        app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        loglevel="WARNING",
        queues=["campaigns", "celery"],
    ) as worker:
        yield worker


@pytest.fixture
def one_campaign_thread(transactional_db, settings):
    """One worker thread on the `campaigns` queue and short slices: campaigns must take turns."""
    from celery.contrib.testing.worker import start_worker

    from gymsales.celery import app

    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CAMPAIGN_SLICE_SECONDS = 0.5
    with start_worker(
        app,
        pool="threads",
        concurrency=1,
        perform_ping_check=False,
        loglevel="WARNING",
        queues=["campaigns"],
    ) as worker:
        yield worker
