"""The WhatsApp API: send (202 / refusals), messages, notes, opt-out, newsfeed, tenancy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gymsales.models import ConsentRecord, Note, NoteKind, Person
from templates_app.models import TemplateStatus
from tests.factories import PersonFactory
from tests.whatsapp.conftest import enable, make_template, open_session
from whatsapp.models import Message, MessageStatus
from whatsapp.providers import locmem

pytestmark = pytest.mark.django_db


def send(api, user, person, payload):
    return api(user).post(f"/api/v1/people/{person.pk}/whatsapp/messages", payload, format="json")


def assert_nothing_sent():
    assert locmem.outbox == []
    assert Message.objects.count() == 0
    assert Note.objects.filter(kind=NoteKind.WHATSAPP_SENT).count() == 0


def test_template_outside_session_is_queued_then_sent_with_content_sid(
    api, sales_user, person, wa, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api, sales_user, person, {"template_id": template.pk, "sale_type": "membership"}
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["direction"] == "outbound"
    assert body["body"] == "Hi Jane, welcome to the club!"
    assert body["template_id"] == template.pk
    assert body["sent_by_id"] == sales_user.pk
    assert body["sale_type"] == "membership"
    assert body["media"] == []
    assert body["error_code"] is None
    [sent] = locmem.outbox
    assert sent["message"].to == person.phone_mobile
    assert sent["message"].content_sid == template.content_sid
    assert sent["message"].content_variables == {"1": "Jane"}
    assert sent["message"].body == ""
    assert sent["message"].status_callback == (
        "https://gymsales.example/webhooks/twilio/whatsapp/status"
    )
    message = Message.objects.get()
    assert message.status == MessageStatus.SENDING
    assert message.sid == sent["sid"]
    assert message.business_initiated is True
    note = Note.objects.get(kind=NoteKind.WHATSAPP_SENT)
    assert note.message_link.message_id == message.pk
    assert note.text == "WhatsApp sent to Jane Doe: Hi Jane, welcome to the club!"


def test_free_text_inside_session_is_sent_as_body(
    api, sales_user, person, wa, django_capture_on_commit_callbacks
):
    open_session(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(api, sales_user, person, {"body": "See you at 6!"})
    assert response.status_code == 202
    [sent] = locmem.outbox
    assert sent["message"].body == "See you at 6!"
    assert sent["message"].content_sid == ""
    assert Message.objects.get().business_initiated is False


def test_edited_template_inside_session_goes_as_free_text(
    api, sales_user, person, wa, template, django_capture_on_commit_callbacks
):
    open_session(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api, sales_user, person, {"template_id": template.pk, "body": "Hi Jane, come by today!"}
        )
    assert response.status_code == 202
    [sent] = locmem.outbox
    assert sent["message"].body == "Hi Jane, come by today!"
    assert sent["message"].content_sid == ""


def refused(api, user, person, payload, code):
    response = send(api, user, person, payload)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == code
    assert response.json()["errors"]["base"]
    assert_nothing_sent()
    return response


def test_free_text_refused_outside_session(api, sales_user, person, wa):
    refused(api, sales_user, person, {"body": "Hello"}, "session_inactive")


def test_expired_session_refuses_free_text(api, sales_user, person, wa):
    conversation = open_session(person)
    conversation.session_expires_at = timezone.now() - timedelta(seconds=1)
    conversation.save()
    refused(api, sales_user, person, {"body": "Hello"}, "session_inactive")


def test_edited_template_refused_outside_session(api, sales_user, person, wa, template):
    refused(
        api,
        sales_user,
        person,
        {"template_id": template.pk, "body": "Hi Jane, edited"},
        "session_inactive",
    )


def test_unedited_template_text_counts_as_unedited(
    api, sales_user, person, wa, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api,
            sales_user,
            person,
            {"template_id": template.pk, "body": "Hi Jane, welcome to the club!"},
        )
    assert response.status_code == 202
    assert locmem.outbox[0]["message"].content_sid == template.content_sid


def test_too_long_refused(api, sales_user, person, wa):
    open_session(person)
    response = refused(api, sales_user, person, {"body": "x" * 1025}, "too_long")
    assert response.json()["errors"]["base"] == [
        "A WhatsApp message can be at most 1024 characters (this one has 1025)."
    ]


def test_exactly_1024_characters_accepted(api, sales_user, person, wa):
    open_session(person)
    assert send(api, sales_user, person, {"body": "x" * 1024}).status_code == 202


def test_opted_out_refused(api, sales_user, person, wa, template):
    Person.objects.filter(pk=person.pk).update(whatsapp_opted_out=True)
    refused(api, sales_user, person, {"template_id": template.pk}, "opted_out")


def test_no_mobile_refused(api, sales_user, person, wa, template):
    Person.objects.filter(pk=person.pk).update(phone_mobile="")
    refused(api, sales_user, person, {"template_id": template.pk}, "no_mobile")


@pytest.mark.parametrize(
    "changes",
    [
        {"status": TemplateStatus.PENDING},
        {"status": TemplateStatus.REJECTED, "twilio_approved": True},
        {"status": TemplateStatus.PAUSED, "twilio_approved": True},
        {"status": TemplateStatus.DRAFT},
    ],
)
def test_unapproved_template_refused(api, sales_user, person, wa, company, changes):
    template = make_template(company, **changes)
    refused(api, sales_user, person, {"template_id": template.pk}, "template_not_approved")


def test_ticked_twilio_approved_template_is_sendable(api, sales_user, person, wa, company):
    template = make_template(company, status=TemplateStatus.UNSUBMITTED, twilio_approved=True)
    assert send(api, sales_user, person, {"template_id": template.pk}).status_code == 202


def test_ticked_template_without_content_sid_is_never_sent_as_free_text(
    api, sales_user, person, wa, company
):
    template = make_template(
        company, status=TemplateStatus.UNSUBMITTED, twilio_approved=True, content_sid=""
    )
    open_session(person)  # even where free text would be allowed

    refused(api, sales_user, person, {"template_id": template.pk}, "template_not_approved")


def test_disabled_company_refuses_send_and_opt_out_but_reads_work(
    api, sales_user, person, company, template
):
    refused(api, sales_user, person, {"template_id": template.pk}, "whatsapp_disabled")
    client = api(sales_user)
    response = client.post(f"/api/v1/people/{person.pk}/whatsapp/opt-out")
    assert response.status_code == 422
    assert response.json()["code"] == "whatsapp_disabled"
    assert Person.objects.get(pk=person.pk).whatsapp_opted_out is False
    assert client.get(f"/api/v1/people/{person.pk}/whatsapp/messages").status_code == 200
    assert client.get(f"/api/v1/people/{person.pk}/notes").status_code == 200
    assert client.get("/api/v1/newsfeed").status_code == 200


def test_suspended_company_refuses_send(api, sales_user, person, company, template):
    enable(company, suspended_reason="63020", suspended_at=timezone.now())
    refused(api, sales_user, person, {"template_id": template.pk}, "whatsapp_disabled")


def test_marketing_guardrail_refuses_the_third_without_reply(api, sales_user, person, wa, company):
    promo = make_template(company, category="marketing", name="Promo")
    assert send(api, sales_user, person, {"template_id": promo.pk}).status_code == 202
    assert send(api, sales_user, person, {"template_id": promo.pk}).status_code == 202
    response = send(api, sales_user, person, {"template_id": promo.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "marketing_limit"
    assert Message.objects.count() == 2


def test_marketing_guardrail_resets_after_a_reply(api, sales_user, person, wa, company):
    promo = make_template(company, category="marketing", name="Promo")
    for _ in range(2):
        send(api, sales_user, person, {"template_id": promo.pk})
    Message.objects.create(
        company=company, person=person, direction="inbound", status="received", body="hi"
    )
    open_session(person)
    assert send(api, sales_user, person, {"template_id": promo.pk}).status_code == 202


def test_messaging_limit_counts_unique_people(api, sales_user, person, wa, company, club, template):
    enable(company, messaging_limit=250)
    reached = Person.objects.bulk_create(
        PersonFactory.build(company=company, club=club) for _ in range(250)
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
        for p in reached
    )
    refused_count = Message.objects.count()
    response = send(api, sales_user, person, {"template_id": template.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "limit_reached"
    assert Message.objects.count() == refused_count
    # someone already reached in the window may be messaged again; inside a session is not limited
    assert send(api, sales_user, reached[0], {"template_id": template.pk}).status_code == 202
    open_session(person)
    assert send(api, sales_user, person, {"template_id": template.pk}).status_code == 202


def test_unlimited_messaging_limit(api, sales_user, person, wa, company, template):
    enable(company, messaging_limit=None)
    assert send(api, sales_user, person, {"template_id": template.pk}).status_code == 202


def test_missing_body_and_template_is_a_field_error(api, sales_user, person, wa):
    response = send(api, sales_user, person, {})
    assert response.status_code == 422
    assert response.json() == {"errors": {"body": ["Give a template_id or a body."]}}
    assert_nothing_sent()


def test_foreign_template_is_refused(api, sales_user, person, wa, other_company):
    foreign = make_template(other_company)
    response = send(api, sales_user, person, {"template_id": foreign.pk})
    assert response.status_code == 422
    assert response.json()["code"] == "template_not_found"
    assert_nothing_sent()


def test_other_companys_person_is_404_everywhere(api, sales_user, wa, other_person):
    client = api(sales_user)
    base = f"/api/v1/people/{other_person.pk}"
    assert client.get(f"{base}/whatsapp/messages").status_code == 404
    assert client.post(f"{base}/whatsapp/messages", {"body": "x"}, format="json").status_code == 404
    assert client.get(f"{base}/notes").status_code == 404
    assert client.post(f"{base}/whatsapp/opt-out").status_code == 404
    assert_nothing_sent()


def test_newsfeed_shows_only_own_company(api, sales_user, person, other_user, other_person, wa):
    from gymsales.services import note_create

    note_create(person=person, company=person.company, kind="general", text="ours")
    note_create(person=other_person, company=other_person.company, kind="general", text="theirs")
    texts = [n["text"] for n in api(sales_user).get("/api/v1/newsfeed").json()["collection"]]
    assert texts == ["ours"]
    texts = [n["text"] for n in api(other_user).get("/api/v1/newsfeed").json()["collection"]]
    assert texts == ["theirs"]


def test_messages_list_newest_first(api, sales_user, person, wa, company):
    old = Message.objects.create(
        company=company,
        person=person,
        direction="inbound",
        status="received",
        body="old",
        created_at=timezone.now() - timedelta(hours=1),
    )
    new = Message.objects.create(
        company=company, person=person, direction="outbound", status="sent", body="new"
    )
    response = api(sales_user).get(f"/api/v1/people/{person.pk}/whatsapp/messages")
    assert response.status_code == 200
    body = response.json()
    assert [m["id"] for m in body["collection"]] == [new.pk, old.pk]
    assert body["pagination"]["total_entries"] == 2


def test_notes_filter_by_kind(api, sales_user, person, wa, template):
    send(api, sales_user, person, {"template_id": template.pk})
    client = api(sales_user)
    sent = client.get(f"/api/v1/people/{person.pk}/notes?kind=whatsapp_sent").json()["collection"]
    assert [n["kind"] for n in sent] == ["whatsapp_sent"]
    assert sent[0]["message_id"] == Message.objects.get().pk
    assert set(sent[0]) >= {"id", "kind", "text", "created_at", "message_id"}
    received = client.get(f"/api/v1/people/{person.pk}/notes?kind=whatsapp_received").json()
    assert received["collection"] == []
    assert client.get(f"/api/v1/people/{person.pk}/notes?kind=bogus").status_code == 422


def test_newsfeed_filters(api, sales_user, person, wa, template, club):
    send(api, sales_user, person, {"template_id": template.pk})
    client = api(sales_user)
    feed = client.get(f"/api/v1/newsfeed?kind=whatsapp_sent&club_id={club.pk}").json()
    assert feed["pagination"]["total_entries"] == 1
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/newsfeed", {"since": future}).json()["collection"] == []


def test_staff_opt_out(api, sales_user, person, wa):
    response = api(sales_user).post(f"/api/v1/people/{person.pk}/whatsapp/opt-out")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.whatsapp_opted_out is True
    assert person.sms_opted_out is False
    record = ConsentRecord.objects.get(person=person)
    assert (record.channel, record.opted_out, record.source, record.user_id) == (
        "whatsapp",
        True,
        "app",
        sales_user.pk,
    )
    assert Note.objects.get(person=person, kind=NoteKind.OPT_OUT)


def test_unauthenticated_is_401(api, person, wa):
    assert api().get(f"/api/v1/people/{person.pk}/whatsapp/messages").status_code == 401


def test_people_api_reports_session_and_counts(api, sales_user, person, wa, template):
    send(api, sales_user, person, {"template_id": template.pk})
    conversation = open_session(person, hours_left=5)
    body = api(sales_user).get(f"/api/v1/people/{person.pk}").json()["whatsapp"]
    assert body["available"] is True
    assert body["session_active"] is True
    assert body["sent_count"] == 1
    assert body["received_count"] == 0
    assert body["session_expires_at"] is not None
    assert conversation.session_expires_at > timezone.now()
