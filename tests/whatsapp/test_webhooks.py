"""Twilio webhooks: signatures, store-once, statuses forward only, inbound, errors become notes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gymsales.models import ConsentRecord, Note, NoteKind, Person
from tests.fixtures import twilio_payload
from tests.whatsapp.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    SENDER,
    inbound_params,
    make_due,
    open_session,
    sign,
    status_params,
    webhook_path,
)
from whatsapp import services
from whatsapp.errors import NOTE_TEXTS
from whatsapp.models import (
    Conversation,
    Message,
    MessageStatus,
    WebhookEvent,
    WebhookEventPending,
    WhatsAppSettings,
)
from whatsapp.providers import locmem

pytestmark = pytest.mark.django_db
SID = "SM" + "c" * 32


@pytest.fixture
def sent_message(company, person, wa, template):
    return Message.objects.create(
        company=company,
        person=person,
        direction="outbound",
        status=MessageStatus.SENDING,
        sid=SID,
        template=template,
        body="Hi Jane, welcome to the club!",
        to_number=person.phone_mobile,
    )


# --- Signatures -----------------------------------------------------------------------------


def test_missing_signature_is_403_and_stores_nothing(post_webhook, sent_message):
    response = post_webhook("status", status_params(SID, "delivered"), signature="")
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0
    assert Message.objects.get().status == MessageStatus.SENDING


def test_wrong_signature_is_403_and_stores_nothing(post_webhook, sent_message):
    response = post_webhook("status", status_params(SID, "delivered"), token="not-the-token")
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_unknown_account_is_403(post_webhook, sent_message):
    params = {**status_params(SID, "delivered"), "AccountSid": "AC" + "9" * 32}
    assert post_webhook("status", params).status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_signature_of_other_company_does_not_pass(post_webhook, sent_message, other_wa):
    response = post_webhook("status", status_params(SID, "delivered"), token="beta-auth-token")
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_signature_covers_the_query_string(client, sent_message):
    params = status_params(SID, "delivered")
    signature = sign(webhook_path("status"), params)
    response = client.post(
        webhook_path("status") + "?x=1", params, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 403
    signature = sign(webhook_path("status") + "?x=1", params)
    response = client.post(
        webhook_path("status") + "?x=1", params, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 200


def test_get_is_not_allowed(client, wa):
    assert client.get(webhook_path("status")).status_code == 405


# --- Status callbacks -----------------------------------------------------------------------


def test_status_callbacks_move_the_message_forward(post_webhook, sent_message):
    for status in ("sent", "delivered", "read"):
        response = post_webhook("status", status_params(SID, status))
        assert response.status_code == 200
        assert response.content == b""
        assert Message.objects.get().status == status
    assert WebhookEvent.objects.count() == 3
    assert not WebhookEventPending.objects.exists()  # all applied


def test_out_of_order_callbacks_never_move_back(post_webhook, sent_message):
    post_webhook("status", status_params(SID, "read"))
    post_webhook("status", status_params(SID, "delivered"))
    post_webhook("status", status_params(SID, "sent"))
    assert Message.objects.get().status == "read"


def test_duplicate_callback_changes_nothing(post_webhook, sent_message):
    params = status_params(SID, "failed", error_code="63003")
    assert post_webhook("status", params).status_code == 200
    assert post_webhook("status", params).status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert Note.objects.filter(kind=NoteKind.WHATSAPP_ERROR).count() == 1


def test_failed_is_final(post_webhook, sent_message):
    post_webhook("status", status_params(SID, "failed", error_code="63003"))
    post_webhook("status", status_params(SID, "delivered"))
    post_webhook("status", status_params(SID, "undelivered", error_code="63024"))
    message = Message.objects.get()
    assert (message.status, message.error_code) == ("failed", "63003")
    assert Note.objects.filter(kind=NoteKind.WHATSAPP_ERROR).count() == 1


def test_status_before_the_sid_is_stored_is_applied_later(post_webhook, sent_message):
    Message.objects.filter(pk=sent_message.pk).update(sid=None)
    assert post_webhook("status", status_params(SID, "delivered")).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.attempts == 1
    assert WebhookEventPending.objects.get(event=event).available_at > timezone.now()
    Message.objects.filter(pk=sent_message.pk).update(sid=SID)
    WebhookEventPending.objects.update(available_at=timezone.now())
    services.webhook_events_drain()
    assert Message.objects.get().status == "delivered"
    assert not WebhookEventPending.objects.exists()


# --- Errors become notes (SPEC §6) -----------------------------------------------------------


@pytest.mark.parametrize("code", sorted(NOTE_TEXTS))
def test_every_listed_error_code_gets_its_exact_note(post_webhook, sent_message, code):
    post_webhook("status", status_params(SID, "failed", error_code=code))
    note = Note.objects.get(kind=NoteKind.WHATSAPP_ERROR)
    expected = NOTE_TEXTS[code].format(first_name="Jane", last_name="Doe")
    assert note.text == expected
    assert note.message_link.message_id == sent_message.pk
    assert note.person_id == sent_message.person_id
    message = Message.objects.get(pk=sent_message.pk)
    assert (message.status, message.error_code) == ("failed", code)


def test_seed_texts_are_exact():
    assert NOTE_TEXTS["63003"].format(first_name="Jane", last_name="Doe") == (
        'WhatsApp message to Jane Doe failed: Channel could not find the "To" address.'
    )
    assert NOTE_TEXTS["63029"] == (
        "Please check your destination number/handset and retry the number."
    )
    assert len(NOTE_TEXTS) == 20


def test_error_note_is_on_the_newsfeed(api, sales_user, post_webhook, sent_message):
    post_webhook("status", status_params(SID, "undelivered", error_code="63024"))
    feed = api(sales_user).get("/api/v1/newsfeed?kind=whatsapp_error").json()["collection"]
    assert [n["text"] for n in feed] == [
        "WhatsApp message to Jane Doe failed: Invalid message recipient; "
        "message recipient could not be verified"
    ]
    assert feed[0]["message_id"] == sent_message.pk


def test_unlisted_code_gets_twilios_message_and_code(post_webhook, sent_message):
    post_webhook(
        "status",
        status_params(SID, "failed", error_code="30008", error_message="Unknown error"),
    )
    note = Note.objects.get(kind=NoteKind.WHATSAPP_ERROR)
    assert note.text == "WhatsApp message to Jane Doe failed: Unknown error (error 30008)."


def test_63010_is_retried_once_after_a_minute(
    post_webhook, sent_message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook("status", status_params(SID, "failed", error_code="63010"))
    retry = Message.objects.get(retry_of=sent_message)
    # the retry waits in its row, due in a minute; the sweep hands it over once due
    assert 59 < (retry.send_after - timezone.now()).total_seconds() <= 60
    assert services.sends_sweep() == ([], [])
    assert locmem.outbox == []
    make_due(retry)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sends_sweep() == ([retry.pk], [])
    # sent once, same content
    assert [sent["message"].message_id for sent in locmem.outbox] == [retry.pk]
    retry.refresh_from_db()
    assert retry.status == MessageStatus.SENDING
    # the retry failing with 63010 again is not retried a second time
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook("status", status_params(retry.sid, "failed", error_code="63010"))
    assert Message.objects.filter(retry_of__isnull=False).count() == 1
    assert len(locmem.outbox) == 1


def test_63018_holds_the_companys_sends_for_24_hours(
    post_webhook, sent_message, person, sales_user, template
):
    post_webhook("status", status_params(SID, "failed", error_code="63018"))
    held = WhatsAppSettings.objects.get(company=person.company).sends_held_until
    assert held > timezone.now() + timedelta(hours=23, minutes=59)
    message = services.message_send(person=person, user=sales_user, template=template)
    outcome = services.message_deliver(message_id=message.pk)
    assert outcome.state == "held"
    assert outcome.retry_in > 24 * 3600 - 60
    assert locmem.outbox == []
    assert Message.objects.get(pk=message.pk).status == MessageStatus.QUEUED


def test_63020_suspends_whatsapp_for_the_company(
    api, sales_user, post_webhook, sent_message, person, template
):
    post_webhook("status", status_params(SID, "failed", error_code="63020"))
    settings = WhatsAppSettings.objects.get(company=person.company)
    assert settings.enabled is False
    assert settings.suspended_at is not None
    assert "63020" in settings.suspended_reason
    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/whatsapp/messages", {"template_id": template.pk}, format="json"
    )
    assert response.json()["code"] == "whatsapp_disabled"


def test_63016_marks_the_session_inactive(post_webhook, sent_message, person):
    open_session(person)
    post_webhook("status", status_params(SID, "failed", error_code="63016"))
    conversation = Conversation.objects.get(person=person)
    assert conversation.session_expires_at <= timezone.now()


def test_63049_is_limited_by_meta_and_not_retried(post_webhook, sent_message):
    post_webhook(
        "status",
        status_params(SID, "failed", error_code="63049", error_message="Meta chose not to deliver"),
    )
    message = Message.objects.get(pk=sent_message.pk)
    assert message.limited_by_meta is True
    assert Message.objects.count() == 1
    assert locmem.outbox == []
    assert Note.objects.get(kind=NoteKind.WHATSAPP_ERROR).text == (
        "WhatsApp message to Jane Doe failed: Meta chose not to deliver (limited by Meta; "
        "not retried within 24 hours) (error 63049)."
    )


@pytest.mark.parametrize("code", ["63003", "63024", "63033"])
def test_permanent_failures_are_never_retried(post_webhook, sent_message, code):
    post_webhook("status", status_params(SID, "failed", error_code=code))
    assert Message.objects.count() == 1
    assert locmem.outbox == []


# --- Inbound --------------------------------------------------------------------------------


def test_inbound_from_known_person_opens_a_24h_session(post_webhook, person, wa):
    before = timezone.now()
    response = post_webhook("inbound", inbound_params(person.phone_mobile, "Hi there"))
    assert response.status_code == 200
    message = Message.objects.get()
    assert (message.person_id, message.direction, message.body, message.status) == (
        person.pk,
        "inbound",
        "Hi there",
        "received",
    )
    conversation = Conversation.objects.get(person=person)
    assert before + timedelta(hours=24) <= conversation.session_expires_at
    assert conversation.session_expires_at <= timezone.now() + timedelta(hours=24)
    note = Note.objects.get(kind=NoteKind.WHATSAPP_RECEIVED)
    assert note.text == "WhatsApp received from Jane Doe: Hi there"
    assert note.message_link.message_id == message.pk


def test_inbound_referral_opens_72h(post_webhook, person, wa):
    params = inbound_params(
        person.phone_mobile, "I saw your ad", ReferralSourceType="ad", ReferralSourceId="123"
    )
    post_webhook("inbound", params)
    conversation = Conversation.objects.get(person=person)
    assert conversation.session_expires_at > timezone.now() + timedelta(hours=71)
    assert conversation.opened_by_referral is True
    assert Message.objects.get().referral == {
        "ReferralNumMedia": "0",
        "ReferralSourceType": "ad",
        "ReferralSourceId": "123",
    }


@pytest.mark.parametrize("name", ["inbound_text", "inbound_media", "inbound_button"])
def test_twilios_inbound_payloads_are_recorded_whole(post_webhook, person, wa, name):
    params = twilio_payload(
        name,
        AccountSid=ACCOUNT_SID,
        From=f"whatsapp:{person.phone_mobile}",
        WaId=person.phone_mobile.lstrip("+"),
        To=f"whatsapp:{SENDER}",
    )
    assert post_webhook("inbound", params).status_code == 200

    message = Message.objects.get()
    assert (message.person_id, message.sid, message.body) == (
        person.pk,
        params["MessageSid"],
        params["Body"],
    )
    assert message.profile_name == params["ProfileName"]
    assert [m["url"] for m in message.media] == (
        [params["MediaUrl0"]] if params["NumMedia"] == "1" else []
    )
    assert message.button_payload == params.get("ButtonPayload", "")


def test_twilios_referral_media_count_alone_is_no_referral(post_webhook, person, wa):
    """Twilio sends ReferralNumMedia=0 with every WhatsApp message: a plain reply opens 24 h."""
    params = inbound_params(person.phone_mobile, "Hi")
    assert params["ReferralNumMedia"] == "0"

    post_webhook("inbound", params)

    conversation = Conversation.objects.get(person=person)
    assert conversation.session_expires_at <= timezone.now() + timedelta(hours=24)
    assert conversation.opened_by_referral is False
    assert Message.objects.get().referral == {}


def test_inbound_stores_media_profile_name_and_button(post_webhook, person, wa):
    params = inbound_params(
        person.phone_mobile,
        "",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/media/1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/media/2",
        MediaContentType1="application/pdf",
        ProfileName="Janey",
        ButtonPayload="book_tour",
        ButtonText="Book a tour",
    )
    post_webhook("inbound", params)
    message = Message.objects.get()
    assert message.media == [
        {"url": "https://api.twilio.com/media/1", "content_type": "image/jpeg"},
        {"url": "https://api.twilio.com/media/2", "content_type": "application/pdf"},
    ]
    assert message.profile_name == "Janey"
    assert message.button_payload == "book_tour"


def test_inbound_from_unknown_number_creates_a_lead(post_webhook, company, club, wa):
    post_webhook("inbound", inbound_params("+447700900123", "Prices?", ProfileName="Sam Smith"))
    lead = Person.objects.get(phone_mobile="+447700900123")
    assert (lead.company_id, lead.first_name, lead.last_name, lead.status) == (
        company.pk,
        "Sam",
        "Smith",
        "lead",
    )
    assert Message.objects.get().person_id == lead.pk


def test_inbound_unknown_number_without_profile_name_is_named_whatsapp(post_webhook, club, wa):
    post_webhook("inbound", inbound_params("+447700900124", "hi"))
    assert Person.objects.get(phone_mobile="+447700900124").first_name == "WhatsApp"


def test_inbound_is_routed_by_the_to_sender(post_webhook, person, other_person, other_wa, wa):
    # the same number is a person in both companies: the To sender decides
    Person.objects.filter(pk=other_person.pk).update(phone_mobile=person.phone_mobile)
    post_webhook("inbound", inbound_params(person.phone_mobile, "hello"))
    assert Message.objects.get().person_id == person.pk


def test_duplicate_inbound_is_stored_once(post_webhook, person, wa):
    params = inbound_params(person.phone_mobile, "Hi")
    post_webhook("inbound", params)
    post_webhook("inbound", params)
    assert Message.objects.count() == 1
    assert Note.objects.filter(kind=NoteKind.WHATSAPP_RECEIVED).count() == 1


@pytest.mark.parametrize("word", ["STOP", " stop ", "Stop"])
def test_stop_opts_out_and_start_opts_back_in(post_webhook, person, wa, word):
    post_webhook("inbound", inbound_params(person.phone_mobile, word, sid="SM" + "1" * 32))
    person.refresh_from_db()
    assert person.whatsapp_opted_out is True
    assert person.sms_opted_out is False
    post_webhook("inbound", inbound_params(person.phone_mobile, "start", sid="SM" + "2" * 32))
    person.refresh_from_db()
    assert person.whatsapp_opted_out is False
    sources = list(
        ConsentRecord.objects.filter(person=person)
        .order_by("created_at")
        .values_list("opted_out", "source")
    )
    assert sources == [(True, "keyword"), (False, "keyword")]
    assert Note.objects.filter(person=person, kind=NoteKind.OPT_OUT).count() == 1
    assert Note.objects.filter(person=person, kind=NoteKind.OPT_IN).count() == 1


def test_inbound_extends_session_and_allows_free_text(api, sales_user, post_webhook, person, wa):
    post_webhook("inbound", inbound_params(person.phone_mobile, "hi"))
    response = api(sales_user).post(
        f"/api/v1/people/{person.pk}/whatsapp/messages", {"body": "Hello Jane"}, format="json"
    )
    assert response.status_code == 202


def test_account_token_is_not_cached_forever(post_webhook, sent_message, person):
    assert post_webhook("status", status_params(SID, "sent")).status_code == 200
    services.whatsapp_settings_update(company=person.company, data={"twilio_auth_token": "new"})
    assert post_webhook("status", status_params(SID, "delivered")).status_code == 403
    assert post_webhook("status", status_params(SID, "delivered"), token="new").status_code == 200


def test_account_sid_constant_is_used(wa):
    assert (wa.twilio_account_sid, wa.twilio_auth_token, wa.sender_number) == (
        ACCOUNT_SID,
        AUTH_TOKEN,
        SENDER,
    )


def test_a_batch_of_callbacks_applies_the_furthest_status_once(sent_message, company, person):
    other = Message.objects.create(
        company=company, person=person, direction="outbound", status="sending", sid="SM" + "e" * 32
    )
    for sid, status, code in [
        (SID, "read", ""),
        (SID, "sent", ""),
        (SID, "delivered", ""),
        (other.sid, "delivered", ""),
        (other.sid, "undelivered", "63024"),
        ("SM" + "f" * 32, "sent", ""),  # not ours (yet)
    ]:
        services.webhook_event_store(
            kind="status", params=status_params(sid, status, error_code=code), company_id=company.pk
        )
    assert services.webhook_events_drain() == 6
    assert Message.objects.get(pk=sent_message.pk).status == "read"
    other.refresh_from_db()
    assert (other.status, other.error_code) == ("undelivered", "63024")
    pending = WebhookEvent.objects.get(pending__isnull=False)
    assert (pending.payload["MessageSid"], pending.attempts) == ("SM" + "f" * 32, 1)


def test_urlencoded_callback_as_twilio_posts_it_is_stored(client, sent_message):
    from urllib.parse import urlencode

    params = status_params(SID, "delivered")
    response = client.post(
        webhook_path("status"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=sign(webhook_path("status"), params),
    )
    assert response.status_code == 200
    assert WebhookEvent.objects.get().payload == params


def test_signature_made_with_the_explicit_port_is_accepted(client, sent_message, settings):
    from twilio.request_validator import RequestValidator

    settings.PUBLIC_BASE_URL = "https://hooks.gymsales.example"
    params = status_params(SID, "delivered")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        "https://hooks.gymsales.example:443" + webhook_path("status"), params
    )
    response = client.post(webhook_path("status"), params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_a_kicked_drain_looks_once_more_and_that_look_asks_for_no_other(sent_message, monkeypatch):
    """Each kick's drain schedules one later look (for events stored unkicked meanwhile); a look
    never schedules another, so kicks under a steady stream can't pile up chains of drains."""
    from whatsapp.tasks import webhook_events_drain_task

    scheduled: list[dict] = []
    monkeypatch.setattr(
        webhook_events_drain_task,
        "apply_async",
        lambda kwargs=None, countdown=None: scheduled.append(kwargs),
    )
    services.webhook_event_store(
        kind="status", params=status_params(SID, "delivered"), company_id=sent_message.company_id
    )

    assert webhook_events_drain_task(follow_up=True) == 1
    assert webhook_events_drain_task(follow_up=True) == 0  # found nothing: still looks again
    assert scheduled == [{"follow_up": False}, {"follow_up": False}]
    assert webhook_events_drain_task(**scheduled[0]) == 0
    assert len(scheduled) == 2
    assert Message.objects.get().status == "delivered"
