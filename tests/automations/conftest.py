"""Fixtures for Automated Items: WhatsApp enabled, templates, items, and a recording sender."""

from __future__ import annotations

import pytest

from automations.models import AutomatedItem, AutomationKind, TriggerEvent
from gymsales.errors import DomainError
from templates_app.models import MessageTemplate, TemplateCategory, TemplateStatus
from whatsapp.models import Direction, Message, MessageStatus


@pytest.fixture
def whatsapp_on(company):
    company.whatsapp.enabled = True
    company.whatsapp.sender_number = "+14155238886"
    company.whatsapp.twilio_account_sid = "AC" + "a" * 32
    company.whatsapp.twilio_auth_token = "token-a"
    company.whatsapp.save()
    return company.whatsapp


def make_template(company, *, name="Welcome new lead", approved=True, **extra):
    return MessageTemplate.objects.create(
        company=company,
        name=name,
        category=extra.pop("category", TemplateCategory.UTILITY),
        body=extra.pop("body", "Hi {{1}}, welcome to the gym! Reply to book a visit."),
        variables=extra.pop("variables", {"1": {"field": "first_name"}}),
        content_sid=extra.pop("content_sid", "HX" + "1" * 32),
        status=TemplateStatus.APPROVED if approved else TemplateStatus.PENDING,
        **extra,
    )


@pytest.fixture
def approved_template(company):
    return make_template(company)


@pytest.fixture
def pending_template(company):
    return make_template(company, name="Not yet approved", approved=False)


@pytest.fixture
def other_template(other_company):
    return make_template(other_company, name="Beta welcome")


def make_item(company, template, **extra):
    values = {
        "name": "Welcome new leads",
        "kind": AutomationKind.SEND_WHATSAPP,
        "trigger_event": TriggerEvent.LEAD_CREATED,
        "delay_minutes": 0,
        "template": template,
        "active": True,
        **extra,
    }
    return AutomatedItem.objects.create(company=company, **values)


@pytest.fixture
def welcome_item(company, approved_template):
    return make_item(company, approved_template)


class RecordingSender:
    """Stands in for the messaging core's message_send in unit tests of the automation logic:
    records each call, refuses like the real one for opted-out people, makes a queued Message."""

    def __init__(self):
        self.calls: list[dict] = []

    def __call__(self, *, person, user, template=None, **kwargs):
        self.calls.append({"person": person, "user": user, "template": template, **kwargs})
        if person.whatsapp_opted_out:
            raise DomainError("This person opted out of WhatsApp.", code="opted_out")
        return Message.objects.create(
            company_id=person.company_id,
            person=person,
            direction=Direction.OUTBOUND,
            body=template.body,
            template=template,
            status=MessageStatus.QUEUED,
        )


@pytest.fixture
def sender(monkeypatch):
    from whatsapp import services as whatsapp_services

    recording = RecordingSender()
    monkeypatch.setattr(whatsapp_services, "message_send", recording, raising=False)
    return recording
