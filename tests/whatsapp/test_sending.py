"""The worker side of sending: at most once, retries, holds, and the backends' one contract."""

import logging

import pytest
from django.core.management import call_command
from django.utils import timezone

from gymsales.models import Note, NoteKind, Person
from tests.whatsapp.conftest import enable, make_due, open_session
from whatsapp import services
from whatsapp.models import Message, MessageStatus
from whatsapp.providers import (
    Credentials,
    OutboundMessage,
    ProviderError,
    get_backend,
    locmem,
)
from whatsapp.tasks import message_deliver_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(person, sales_user, wa, template):
    return services.message_send(person=person, user=sales_user, template=template)


def test_a_task_run_twice_sends_once(queued):
    assert message_deliver_task.apply(args=[queued.pk]).get() == "sent"
    assert message_deliver_task.apply(args=[queued.pk]).get() == "skipped"
    assert len(locmem.outbox) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.send_attempts) == (MessageStatus.SENDING, 1)


def test_a_claimed_message_is_not_sent_again(queued):
    # a worker died after claiming (status sending): the redelivered task must not send it again
    Message.objects.filter(pk=queued.pk).update(status=MessageStatus.SENDING)
    assert services.message_deliver(message_id=queued.pk).state == "skipped"
    assert locmem.outbox == []


def test_transient_error_then_success_sends_once(queued):
    locmem.fail_next.append(ProviderError("Twilio 503", status=503, transient=True))
    outcome = services.message_deliver(message_id=queued.pk)
    assert (outcome.state, outcome.retry_in) == ("retrying", 5)
    queued.refresh_from_db()
    assert queued.status == MessageStatus.QUEUED
    # back in the queue (its row), due in 5 s: not sent before, whatever the broker delivers
    assert 4 < (queued.send_after - timezone.now()).total_seconds() <= 5
    assert queued.enqueued_at is None
    assert services.message_deliver(message_id=queued.pk).state == "skipped"
    make_due(queued)
    assert services.message_deliver(message_id=queued.pk).state == "sent"
    assert len(locmem.outbox) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.send_attempts) == (MessageStatus.SENDING, 2)
    assert queued.sid == locmem.outbox[0]["sid"]


def test_backoff_grows_and_gives_up(queued):
    delays = []
    for _ in range(5):
        locmem.fail_next.append(ProviderError("429", status=429, transient=True))
        delays.append(services.message_deliver(message_id=queued.pk).retry_in)
        make_due(queued)
    assert delays == [5, 10, 20, 40, None]
    queued.refresh_from_db()
    assert queued.status == MessageStatus.FAILED
    assert (
        Note.objects.filter(kind=NoteKind.WHATSAPP_ERROR, message_link__message=queued).count() == 1
    )


def test_permanent_error_fails_with_a_note_and_no_retry(queued):
    locmem.fail_next.append(
        ProviderError("The 'To' number is not a valid phone number.", code="21211", transient=False)
    )
    outcome = services.message_deliver(message_id=queued.pk)
    assert (outcome.state, outcome.retry_in) == ("failed", None)
    queued.refresh_from_db()
    assert (queued.status, queued.error_code) == ("failed", "21211")
    assert Note.objects.get(kind=NoteKind.WHATSAPP_ERROR).text == (
        "WhatsApp message to Jane Doe failed: The 'To' number is not a valid phone number. "
        "(error 21211)."
    )
    assert services.message_deliver(message_id=queued.pk).state == "skipped"
    assert locmem.outbox == []


def test_disabled_after_queueing_is_not_sent(queued, company):
    enable(company, enabled=False)
    assert services.message_deliver(message_id=queued.pk).state == "not_sent"
    queued.refresh_from_db()
    assert queued.status == MessageStatus.NOT_SENT
    assert queued.error_message == "WhatsApp is not enabled for this company."
    assert locmem.outbox == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"whatsapp_opted_out": True}, "This person has opted out of WhatsApp messages."),
        (
            {"phone_mobile": ""},
            "This person has no valid mobile number to send WhatsApp messages to.",
        ),
        (
            {"phone_mobile": "+447700900999"},
            "This person's mobile number changed after the message was queued.",
        ),
    ],
)
def test_send_time_recheck_of_the_person(queued, person, change, reason):
    """Opt-out always wins: what changed after queueing is checked again when the message goes."""
    Person.objects.filter(pk=person.pk).update(**change)
    assert services.message_deliver(message_id=queued.pk).state == "not_sent"
    queued.refresh_from_db()
    assert (queued.status, queued.error_message) == (MessageStatus.NOT_SENT, reason)
    assert locmem.outbox == []
    note = Note.objects.get(kind=NoteKind.WHATSAPP_ERROR, message_link__message=queued)
    assert note.text == f"WhatsApp message to Jane Doe was not sent: {reason}"


def test_suspended_after_queueing_is_not_sent(queued, company):
    enable(company, suspended_reason="Twilio error 63020")
    assert services.message_deliver(message_id=queued.pk).state == "not_sent"
    queued.refresh_from_db()
    assert queued.status == MessageStatus.NOT_SENT
    assert locmem.outbox == []


def test_throttle_queues_the_burst_instead_of_failing(person, sales_user, company, template):
    enable(company, max_messages_per_second=2)
    open_session(person)
    messages = [
        services.message_send(person=person, user=sales_user, body=f"m{i}") for i in range(4)
    ]
    states = [services.message_deliver(message_id=m.pk).state for m in messages]
    # within one second at most 2 go; the rest wait (unless the second ticked over meanwhile)
    assert states.count("sent") in (2, 3, 4)
    assert set(states) <= {"sent", "throttled"}
    assert len(locmem.outbox) == states.count("sent")


def test_held_or_throttled_message_stays_queued_with_no_attempt_counted(queued, company, template):
    enable(company, sends_held_until=timezone.now() + timezone.timedelta(hours=1))
    assert services.message_deliver(message_id=queued.pk).state == "held"
    queued.refresh_from_db()
    assert (queued.status, queued.send_attempts) == (MessageStatus.QUEUED, 0)
    assert queued.send_after > timezone.now() + timezone.timedelta(minutes=59)
    enable(company, sends_held_until=None)
    make_due(queued)
    assert services.message_deliver(message_id=queued.pk).state == "sent"
    other = services.message_send(person=queued.person, user=None, template=template)
    from unittest import mock

    with mock.patch("whatsapp.throttle.send_slot_wait", return_value=0.5):
        assert services.message_deliver(message_id=other.pk).state == "throttled"
    other.refresh_from_db()
    assert (other.status, other.send_attempts) == (MessageStatus.QUEUED, 0)
    assert len(locmem.outbox) == 1


def test_deleted_message_is_skipped():
    assert services.message_deliver(message_id=10**9).state == "skipped"


def test_messaging_service_sid_is_used_as_sender(person, sales_user, company, template):
    enable(company, messaging_service_sid="MG" + "f" * 32)
    message = services.message_send(person=person, user=sales_user, template=template)
    services.message_deliver(message_id=message.pk)
    assert locmem.outbox[0]["from"] == "MG" + "f" * 32


# --- One contract over the three backends ------------------------------------------------------

CREDS = Credentials(
    company_id=1,
    account_sid="AC" + "1" * 32,
    auth_token="secret-token-xyz",
    sender_number="+14155550100",
)


@pytest.mark.parametrize("backend", ["locmem", "console", "twilio"])
def test_backend_contract_send_returns_a_message_sid(backend, twilio_twin, settings, caplog):
    if backend == "twilio":
        settings.TWILIO_API_BASE = twilio_twin
    instance = get_backend(credentials=CREDS, backend=backend)
    caplog.set_level(logging.DEBUG)
    result = instance.send(
        OutboundMessage(
            message_id=1,
            to="+447700900123",
            content_sid="HX" + "a" * 32,
            content_variables={"1": "Jane"},
            status_callback="https://gymsales.example/webhooks/twilio/whatsapp/status",
        )
    )
    assert result.sid.startswith("SM")
    assert len(result.sid) == 34
    assert "secret-token-xyz" not in caplog.text
    assert "secret-token-xyz" not in repr(CREDS)


def test_console_backend_plays_sent_delivered_read_through_the_signed_webhook(
    person, sales_user, company, template, settings, caplog, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_BACKEND = "console"
    enable(company)
    caplog.set_level(logging.INFO, logger="whatsapp.console")
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_send(person=person, user=sales_user, template=template)
    message.refresh_from_db()
    assert message.status == "read"
    assert message.sid.startswith("SM")
    assert "alpha-auth-token" not in caplog.text
    assert message.sid in caplog.text
    from whatsapp.models import WebhookEvent

    assert sorted(WebhookEvent.objects.values_list("payload__MessageStatus", flat=True)) == [
        "delivered",
        "read",
        "sent",
    ]


def test_simulate_command_inbound_and_failure(person, sales_user, wa, template, settings):
    call_command("whatsapp_simulate", "--person", str(person.pk), "inbound", "Hi!", "--referral")
    message = Message.objects.get(direction="inbound")
    assert message.body == "Hi!"
    assert message.referral["ReferralSourceType"] == "ad"
    assert person.whatsapp_conversation.session_expires_at > timezone.now()
    sent = services.message_send(person=person, user=sales_user, body="Welcome!")
    services.message_deliver(message_id=sent.pk)
    call_command("whatsapp_simulate", "--person", str(person.pk), "fail", "63016")
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == ("failed", "63016")
    person.whatsapp_conversation.refresh_from_db()
    assert person.whatsapp_conversation.session_expires_at <= timezone.now()


def test_counts_by_sale_type(person, sales_user, wa, template, company):
    from whatsapp.selectors import whatsapp_counts_by_sale_type

    services.message_send(person=person, user=sales_user, template=template, sale_type="membership")
    services.message_send(person=person, user=sales_user, template=template, sale_type="secondary")
    Message.objects.create(
        company=company,
        person=person,
        direction="inbound",
        status="received",
        body="hi",
        sale_type=Message.objects.filter(sale_type__key="membership").first().sale_type,
    )
    counts = {
        row["sale_type"]: (row["sent"], row["received"])
        for row in whatsapp_counts_by_sale_type(company=company, person=person)
    }
    assert counts == {"membership": (1, 1), "secondary": (1, 0)}


def test_demo_seed_shows_an_active_session(company, club, sales_user, person):
    from whatsapp import demo
    from whatsapp.selectors import session_active

    lines = demo.seed(company=company, users={"sales": sales_user})
    assert lines and str(person.pk) in lines[0]
    assert session_active(person=person) is True
    assert Message.objects.filter(person=person).count() == 4
    assert demo.seed(company=company, users={"sales": sales_user})  # idempotent
    assert Message.objects.filter(person=person).count() == 4


@pytest.fixture
def send_checks(monkeypatch):
    """A SEND_CHECK_HANDLERS handler answering `verdict[0]`; returns (verdict, the ids asked)."""
    from whatsapp.services import hooks

    verdict: list = [None]
    asked: list[int] = []

    def handler(*, message_id):
        asked.append(message_id)
        return verdict[0]

    monkeypatch.setattr(hooks, "SEND_CHECK_HANDLERS", [handler])
    return verdict, asked


def _as_retry(message, company, person) -> None:
    """Make `message` an automatic retry (what 63010 queues) of a failed one."""
    failed = Message.objects.create(
        company=company, person=person, direction="outbound", status=MessageStatus.FAILED
    )
    Message.objects.filter(pk=message.pk).update(retry_of=failed)


def test_a_retry_refused_by_a_send_check_is_not_sent(queued, company, person, send_checks):
    from whatsapp.rules import Refusal

    verdict, asked = send_checks
    verdict[0] = Refusal("stopped", "Not sent: the campaign was stopped.")
    _as_retry(queued, company, person)

    assert services.message_deliver(message_id=queued.pk).state == "not_sent"
    queued.refresh_from_db()
    assert (queued.status, queued.error_message) == (
        MessageStatus.NOT_SENT,
        "Not sent: the campaign was stopped.",
    )
    assert asked == [queued.pk]
    assert locmem.outbox == []


def test_a_retry_a_send_check_holds_waits_in_the_queue(queued, company, person, send_checks):
    verdict, asked = send_checks
    verdict[0] = 5.0
    _as_retry(queued, company, person)

    outcome = services.message_deliver(message_id=queued.pk)

    assert (outcome.state, outcome.retry_in) == ("held", 5.0)
    queued.refresh_from_db()
    assert (queued.status, queued.send_attempts) == (MessageStatus.QUEUED, 0)
    assert 4 < (queued.send_after - timezone.now()).total_seconds() <= 5
    assert locmem.outbox == []
    verdict[0] = None
    make_due(queued)
    assert services.message_deliver(message_id=queued.pk).state == "sent"
    assert asked == [queued.pk, queued.pk]


def test_a_message_that_is_no_retry_asks_no_send_check(queued, send_checks):
    verdict, asked = send_checks
    verdict[0] = 5.0

    assert services.message_deliver(message_id=queued.pk).state == "sent"
    assert asked == []
