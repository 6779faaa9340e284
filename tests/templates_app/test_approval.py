"""Submit → pending → sync → approved/rejected/paused, through the locmem backend and the beat task."""

import pytest
import time_machine
from django.utils import timezone

from templates_app.content import content_draft
from templates_app.models import MessageTemplate, TemplateStatus
from templates_app.tasks import sync_template_approvals
from whatsapp.providers import locmem
from whatsapp.providers.twilio.content import content_body

URL = "/api/v1/whatsapp/templates"


def test_submit_creates_content_and_files_approval_then_sync_reads_approval(
    api, admin_user, make_template
):
    template = make_template(
        buttons=[{"type": "quick_reply", "text": "Book now"}],
        variables={"1": {"field": "first_name", "sample": "Ana"}, "2": {"field": "club_name"}},
    )
    client = api(admin_user)

    submitted = client.post(f"{URL}/{template.pk}/submit")

    assert submitted.status_code == 200
    sid = submitted.json()["content_sid"]
    assert submitted.json()["status"] == "pending"
    assert locmem.contents[sid] == {
        "friendly_name": f"welcome_new_lead_{template.pk}",
        "language": "en",
        "variables": {"1": "Ana", "2": "Downtown Club"},
        "types": {
            "twilio/quick-reply": {
                "body": template.body,
                "actions": [{"type": "QUICK_REPLY", "title": "Book now", "id": "button_1"}],
            }
        },
    }
    assert locmem.approval_requests[sid] == {
        "name": f"welcome_new_lead_{template.pk}",
        "category": "UTILITY",
    }
    assert client.post(f"{URL}/{template.pk}/sync").json()["status"] == "pending"

    locmem.set_approval(sid, "approved")
    synced = client.post(f"{URL}/{template.pk}/sync")

    assert synced.json()["status"] == "approved"
    template.refresh_from_db()
    assert template.approved_at is not None
    assert template.is_sendable


def test_rejection_reason_is_read_back_and_resubmit_files_new_content(
    api, admin_user, make_template
):
    template = make_template()
    client = api(admin_user)
    first_sid = client.post(f"{URL}/{template.pk}/submit").json()["content_sid"]
    locmem.set_approval(first_sid, "rejected", "INVALID_FORMAT")

    synced = client.post(f"{URL}/{template.pk}/sync").json()

    assert (synced["status"], synced["rejection_reason"]) == ("rejected", "INVALID_FORMAT")
    resubmitted = client.post(f"{URL}/{template.pk}/submit").json()
    assert resubmitted["status"] == "pending"
    assert resubmitted["content_sid"] not in (None, first_sid)
    assert resubmitted["rejection_reason"] is None


def test_invalid_template_cannot_be_submitted_and_nothing_reaches_twilio(
    api, admin_user, make_template
):
    template = make_template(footer="Bye {{1}}")

    response = api(admin_user).post(f"{URL}/{template.pk}/submit")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["footer"]
    assert locmem.contents == {}
    template.refresh_from_db()
    assert template.status == "draft"


def test_pending_template_cannot_be_submitted_again(api, admin_user, make_template):
    template = make_template()
    client = api(admin_user)
    client.post(f"{URL}/{template.pk}/submit")

    again = client.post(f"{URL}/{template.pk}/submit")

    assert again.status_code == 422
    assert again.json()["code"] == "not_submittable"
    assert len(locmem.contents) == 1


def test_sync_without_content_sid_is_422(api, admin_user, make_template):
    template = make_template()

    response = api(admin_user).post(f"{URL}/{template.pk}/sync")

    assert response.status_code == 422
    assert response.json()["code"] == "not_submitted"


def test_provider_failure_on_submit_rolls_the_status_back(
    api, admin_user, make_template, monkeypatch
):
    from whatsapp.providers import ProviderError
    from whatsapp.providers.locmem import LocmemBackend

    def refuse(self, **call):
        raise ProviderError("Twilio is down", status=503, transient=True)

    monkeypatch.setattr(LocmemBackend, "content_create", refuse)
    template = make_template()

    response = api(admin_user).post(f"{URL}/{template.pk}/submit")

    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["Twilio refused: Twilio is down"]},
        "code": "twilio_error",
    }
    template.refresh_from_db()
    assert (template.status, template.content_sid, template.submitted_at) == ("draft", "", None)


def test_beat_task_syncs_pending_and_approved_templates_of_every_company(
    make_template, company, other_company
):
    ours = make_template(status=TemplateStatus.PENDING, content_sid="HX" + "1" * 32)
    theirs = make_template(
        company=other_company, status=TemplateStatus.APPROVED, content_sid="HX" + "2" * 32
    )
    draft = make_template(name="Draft", status=TemplateStatus.DRAFT)
    locmem.contents.update({ours.content_sid: {}, theirs.content_sid: {}})
    locmem.set_approval(ours.content_sid, "approved")
    locmem.set_approval(theirs.content_sid, "paused")

    assert sync_template_approvals() == 2

    statuses = dict(MessageTemplate.objects.values_list("pk", "status"))
    assert statuses == {ours.pk: "approved", theirs.pk: "paused", draft.pk: "draft"}
    theirs.refresh_from_db()
    assert not theirs.is_sendable


def test_beat_entry_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["templates-sync-approvals"]
    assert entry["task"] == "templates_app.sync_template_approvals"


def test_console_backend_approves_after_a_short_delay(api, admin_user, make_template, settings):
    settings.WHATSAPP_BACKEND = "console"
    template = make_template()
    client = api(admin_user)
    assert client.post(f"{URL}/{template.pk}/submit").json()["status"] == "pending"
    assert client.post(f"{URL}/{template.pk}/sync").json()["status"] == "pending"

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=11), tick=False):
        synced = client.post(f"{URL}/{template.pk}/sync").json()

    assert synced["status"] == "approved"
    assert synced["content_sid"].startswith("HX") and len(synced["content_sid"]) == 34


@pytest.mark.parametrize(
    ("buttons", "header", "footer", "content_type"),
    [
        ([], None, "", "twilio/text"),
        (
            [{"type": "url", "text": "Book", "url": "https://gym.example/b"}],
            None,
            "",
            "twilio/call-to-action",
        ),
        ([], {"type": "image", "url": "https://gym.example/a.jpg"}, "", "twilio/media"),
        ([], {"type": "text", "text": "Welcome"}, "Reply STOP", "whatsapp/card"),
    ],
)
def test_content_type_follows_the_template_shape(
    make_template, buttons, header, footer, content_type
):
    template = make_template(buttons=buttons, header=header, footer=footer)

    assert list(content_body(content_draft(template))["types"]) == [content_type]


def test_sendable_selector_only_lists_approved(make_template, company):
    from templates_app.selectors import templates_sendable

    sid = "HX" + "a" * 32
    make_template(name="Approved", status=TemplateStatus.APPROVED, content_sid=sid)
    make_template(name="Ticked", twilio_approved=True, content_sid=sid)
    make_template(name="Ticked without a Content SID", twilio_approved=True)
    make_template(
        name="Ticked but paused",
        twilio_approved=True,
        status=TemplateStatus.PAUSED,
        content_sid=sid,
    )
    make_template(name="Pending", status=TemplateStatus.PENDING)
    make_template(name="Draft")

    assert [t.name for t in templates_sendable(company=company)] == ["Approved", "Ticked"]


def _list_row(client, name: str) -> str:
    page = client.get("/settings/whatsapp/templates/").content.decode()
    start = page.index(f">{name}</a>")
    return page[start : page.index("</tr>", start)]


@pytest.mark.parametrize("withdrawn", ["rejected", "paused", "disabled"])
def test_twilio_approved_follows_the_synced_approval(
    api, client, admin_user, make_template, withdrawn
):
    template = make_template()
    sid = api(admin_user).post(f"{URL}/{template.pk}/submit").json()["content_sid"]
    client.force_login(admin_user)
    locmem.set_approval(sid, "approved")

    approved = api(admin_user).post(f"{URL}/{template.pk}/sync").json()

    assert (approved["status"], approved["twilio_approved"]) == ("approved", True)
    row = _list_row(client, template.name)
    assert ">Approved</span>" in row and "<td>Yes</td>" in row
    locmem.set_approval(sid, withdrawn, "Meta says no")

    taken_back = api(admin_user).post(f"{URL}/{template.pk}/sync").json()

    assert (taken_back["status"], taken_back["twilio_approved"]) == (withdrawn, False)
    template.refresh_from_db()
    assert template.twilio_approved is False and not template.is_sendable
    row = _list_row(client, template.name)
    assert f">{withdrawn.title()}</span>" in row and "<td>Yes</td>" not in row
