"""Campaigns' part of `manage.py seed_demo` (idempotent): a finished campaign with realistic
outcomes, and a draft ready to start (its pre-flight done) so a new user can start and watch one.

The finished campaign's story holds together wherever a user looks: its replies are inbound
messages in the people's WhatsApp history, the person it counts as opted out sent STOP (and is
opted out, so the draft's pre-flight excludes them), and its recipients were made when it started.
The draft has no quiet hours: started at any hour, it sends at once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from automations.campaigns import services
from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from gymsales.models import ConsentChannel, ConsentSource, NoteKind
from gymsales.services import person_set_opt_out
from templates_app.models import MessageTemplate
from whatsapp.demo import demo_message
from whatsapp.models import Direction, Message, MessageStatus
from whatsapp.providers import new_message_sid
from whatsapp.services.notes import note_create

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
    # The excluded were made (and the pre-flight stored) when it started, as a real fan-out does.
    CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.EXCLUDED).update(
        updated_at=started
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        status="completed",
        finished_at=started + timedelta(minutes=3),
        fanned_out_at=started,
        preflight_at=started,
    )
    for recipient, message in zip(recipients, messages, strict=True):
        note_create(
            person=recipient.person,
            company=company,
            kind=NoteKind.WHATSAPP_SENT,
            text=f"WhatsApp sent to {recipient.person.full_name} (campaign {FINISHED}): "
            + message.body,
            user=admin,
            message=message,
            created_at=message.created_at,
        )
        _answers(recipient)


# What the people who answered the campaign wrote back.
REPLIES = ["Yes please, save me a spot!", "What time is the yoga class?", "Count me in"]


def _answers(recipient) -> None:
    """The replies and the STOP the recipient's counts tell of, as inbound WhatsApp messages in
    the person's history; the STOP opts the person out, as a STOP reply does."""
    person = recipient.person
    if recipient.replied_at is not None:
        body = REPLIES[recipient.pk % len(REPLIES)]
        _inbound(person, body, recipient.replied_at)
    if recipient.opted_out_at is not None:
        _inbound(person, "STOP", recipient.opted_out_at)
        person_set_opt_out(
            person=person,
            channel=ConsentChannel.WHATSAPP,
            opted_out=True,
            source=ConsentSource.KEYWORD,
            proof="Replied STOP to the campaign.",
        )


def _inbound(person, body: str, at) -> None:
    demo_message(person, Direction.INBOUND, body, MessageStatus.RECEIVED, None, None, at)


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
