"""Campaigns' part of `manage.py seed_demo` (idempotent): a finished campaign with realistic
outcomes, and a draft ready to start (its pre-flight done) so a new user can start and watch one."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from automations.campaigns import services
from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from templates_app.models import MessageTemplate
from whatsapp.models import Direction, Message, MessageStatus
from whatsapp.providers import new_message_sid

FINISHED = "November class promo"
DRAFT = "Win back quiet leads"
# Outcome by position: mostly read or delivered, a few sent, failed (63024: not on WhatsApp) and
# limited by Meta (63049).
OUTCOMES = [
    "read",
    "read",
    "delivered",
    "read",
    "delivered",
    "sent",
    "read",
    "failed",
    "delivered",
    "limited",
]

RECIPIENT_FIELDS = [
    "state",
    "error_code",
    "attempts",
    "sent_at",
    "failed_at",
    "replied_at",
    "opted_out_at",
    "updated_at",
    "message",
]


def seed(*, company, users: dict) -> list[str]:
    promo = MessageTemplate.objects.filter(company=company, name="Class promo").first()
    reengage = MessageTemplate.objects.filter(company=company, name="Re-engage").first()
    if promo is None or reengage is None:
        return ["Campaigns skipped: the demo templates are missing."]
    admin = users["admin"]
    if not Campaign.objects.filter(company=company, name=FINISHED).exists():
        _finished(company, promo, admin)
    if not Campaign.objects.filter(company=company, name=DRAFT).exists():
        draft = Campaign.objects.create(
            company=company,
            name=DRAFT,
            template=reengage,
            created_by=admin,
            audience={"status": "lead"},
            quiet_hours_start="21:00",
            quiet_hours_end="08:00",
        )
        services.campaign_preflight(campaign=draft)
    return [
        f'Campaigns: "{FINISHED}" (finished) and "{DRAFT}" (a draft ready to start) at /campaigns/.'
    ]


def _finished(company, template, admin) -> None:
    """A campaign sent nine days ago to every person, with OUTCOMES as its recipients' fates."""
    started = timezone.now() - timedelta(days=9)
    campaign = Campaign.objects.create(
        company=company,
        name=FINISHED,
        template=template,
        created_by=admin,
        audience={},
        status="running",
        created_at=started - timedelta(hours=2),
        started_at=started,
    )
    services.campaign_fan_out(campaign_id=campaign.pk)
    recipients = list(
        CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.QUEUED)
        .select_related("person")
        .order_by("id")
    )
    messages = []
    for index, recipient in enumerate(recipients):
        outcome = OUTCOMES[index % len(OUTCOMES)]
        sent_at = started + timedelta(seconds=index)
        messages.append(_message(recipient, template, admin, outcome, sent_at))
        _recipient_settle(recipient, outcome, index, sent_at, started)
    Message.objects.bulk_create(messages)
    for recipient, message in zip(recipients, messages, strict=True):
        recipient.message = message
    CampaignRecipient.objects.bulk_update(recipients, RECIPIENT_FIELDS)
    Campaign.objects.filter(pk=campaign.pk).update(
        status="completed", finished_at=started + timedelta(minutes=3)
    )


def _error_code(outcome: str) -> str:
    return {"failed": "63024", "limited": "63049"}.get(outcome, "")


def _message(recipient, template, admin, outcome: str, sent_at) -> Message:
    """The recipient's message as it ended up (`outcome`), not saved."""
    code = _error_code(outcome)
    return Message(
        company_id=recipient.company_id,
        person=recipient.person,
        direction=Direction.OUTBOUND,
        body=template.body.replace("{{1}}", recipient.person.first_name),
        template=template,
        status=MessageStatus.FAILED if code else outcome,
        error_code=code,
        limited_by_meta=code == "63049",
        sid=new_message_sid(),
        sent_by=admin,
        to_number=recipient.phone,
        origin="campaign",
        business_initiated=True,
        send_attempts=1,
        created_at=sent_at,
    )


def _recipient_settle(recipient, outcome: str, index: int, sent_at, started) -> None:
    """The recipient's state after `outcome`: some replied, one opted out (not saved)."""
    code = _error_code(outcome)
    recipient.state = RecipientState.FAILED if code else outcome
    recipient.error_code = code
    recipient.attempts = 1
    recipient.sent_at = sent_at
    recipient.failed_at = sent_at if code else None
    if outcome == "read" and index % 3 == 0:
        recipient.replied_at = started + timedelta(hours=2, minutes=index)
    if index == 4:
        recipient.opted_out_at = started + timedelta(hours=5)
    recipient.updated_at = started + timedelta(hours=6)
