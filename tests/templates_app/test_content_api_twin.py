"""The Twilio backend's Content API calls against Prism serving Twilio's own content v1 spec.

Prism answers 4xx to a request its spec forbids, so a 2xx here means our request was valid."""

import json

import pytest
import requests

from templates_app.models import TemplateStatus

pytestmark = pytest.mark.twin
URL = "/api/v1/whatsapp/templates"


@pytest.fixture(scope="session")
def content_twin(start_twin):
    return start_twin("twilio_content_v1")[0]


@pytest.fixture
def twilio_backend(settings, content_twin, company):
    settings.WHATSAPP_BACKEND = "twilio"
    settings.TWILIO_API_BASE = content_twin
    whatsapp = company.whatsapp
    whatsapp.twilio_account_sid = "AC" + "c" * 32
    whatsapp.twilio_auth_token = "secret-token"
    whatsapp.save()
    sent = []
    original = requests.Session.send

    def recording_send(session, request, **kwargs):
        response = original(session, request, **kwargs)
        sent.append((request, response))
        return response

    from unittest import mock

    with mock.patch.object(requests.Session, "send", recording_send):
        yield sent


def test_submit_creates_content_and_approval_request_valid_for_twilio_spec(
    api, admin_user, make_template, twilio_backend
):
    template = make_template(
        header={"type": "text", "text": "Hi {{1}}"},
        footer="Reply STOP to opt out",
        buttons=[
            {"type": "url", "text": "Book", "url": "https://gym.example/book"},
            {"type": "phone", "text": "Call us", "phone": "+14155550100"},
        ],
    )

    response = api(admin_user).post(f"{URL}/{template.pk}/submit")

    assert response.status_code == 200, response.json()
    assert [
        (r.method, r.url.split(":", 2)[2].split("/", 1)[1], resp.status_code)
        for r, resp in twilio_backend
    ] == [
        ("POST", "v1/Content", 201),
        ("POST", f"v1/Content/HX{'a' * 32}/ApprovalRequests/whatsapp", 201),
    ]
    create, approval = (json.loads(r.body) for r, _ in twilio_backend)
    assert create == {
        "friendly_name": f"welcome_new_lead_{template.pk}",
        "language": "en",
        "variables": {"1": "Jane", "2": "Downtown Club"},
        "types": {
            "whatsapp/card": {
                "body": template.body,
                "header_text": "Hi {{1}}",
                "footer": "Reply STOP to opt out",
                "actions": [
                    {"type": "URL", "title": "Book", "url": "https://gym.example/book"},
                    {"type": "PHONE_NUMBER", "title": "Call us", "phone": "+14155550100"},
                ],
            }
        },
    }
    assert approval == {"name": f"welcome_new_lead_{template.pk}", "category": "UTILITY"}
    assert twilio_backend[0][0].headers["Authorization"].startswith("Basic ")
    template.refresh_from_db()
    # Prism answers its fixed example: sid HXaaa…, approval status "unsubmitted" → still pending.
    assert (template.content_sid, template.status) == ("HX" + "a" * 32, TemplateStatus.PENDING)


@pytest.mark.parametrize(
    ("buttons", "header"),
    [
        ([], None),
        ([{"type": "quick_reply", "text": "Yes"}, {"type": "quick_reply", "text": "No"}], None),
        ([], {"type": "image", "url": "https://gym.example/a.jpg"}),
    ],
)
def test_other_content_types_are_valid_for_twilio_spec(
    api, admin_user, make_template, twilio_backend, buttons, header
):
    template = make_template(buttons=buttons, header=header)

    response = api(admin_user).post(f"{URL}/{template.pk}/submit")

    assert response.status_code == 200, response.json()
    assert [resp.status_code for _, resp in twilio_backend] == [201, 201]


def test_sync_reads_the_whatsapp_approval(api, admin_user, make_template, twilio_backend):
    template = make_template(status=TemplateStatus.PENDING, content_sid="HX" + "a" * 32)

    response = api(admin_user).post(f"{URL}/{template.pk}/sync")

    assert response.status_code == 200
    request, answer = twilio_backend[0]
    assert (request.method, answer.status_code) == ("GET", 200)
    assert request.url.endswith(f"/v1/Content/HX{'a' * 32}/ApprovalRequests")
    assert response.json()["status"] == "approved"  # the spec's example says "approved"
