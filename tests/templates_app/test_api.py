import pytest

from templates_app import meta_limits
from templates_app.models import MessageTemplate, TemplateStatus
from templates_app.services import APPROVED_EDIT_WARNING
from tests.templates_app.conftest import VALID
from whatsapp.models import Message

URL = "/api/v1/whatsapp/templates"
WARNING = (
    "Warning: this is a Twilio-approved template: Please make these same edits in Twilio "
    "to prevent messages from failing."
)


def test_admin_creates_template_201_with_location(api, admin_user, company):
    response = api(admin_user).post(URL, VALID, format="json")

    assert response.status_code == 201
    template = MessageTemplate.objects.get(company=company)
    assert response["Location"] == f"{URL}/{template.pk}"
    assert response.json() == {
        "id": template.pk,
        "name": "Welcome new lead",
        "category": "utility",
        "language": "en",
        "header": None,
        "body": VALID["body"],
        "footer": None,
        "buttons": [],
        "variables": VALID["variables"],
        "content_sid": None,
        "status": "draft",
        "twilio_approved": False,
        "is_recontact": False,
        "rejection_reason": None,
        "created_at": response.json()["created_at"],
        "updated_at": response.json()["updated_at"],
    }


def test_create_accepts_form_encoding(api, admin_user, company):
    import json
    from urllib.parse import urlencode

    data = urlencode({**VALID, "variables": json.dumps(VALID["variables"])})
    response = api(admin_user).generic(
        "POST", URL, data, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 201
    assert response.json()["variables"] == VALID["variables"]


def test_rule_break_is_422_naming_the_field_and_writes_nothing(api, admin_user, company):
    response = api(admin_user).post(URL, {**VALID, "footer": "Bye {{1}}"}, format="json")

    assert response.status_code == 422
    assert response.json() == {"errors": {"footer": ["The footer may not have variables."]}}
    assert not MessageTemplate.objects.exists()


def test_missing_required_fields_422(api, admin_user):
    response = api(admin_user).post(URL, {}, format="json")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"name", "category", "body"}


def test_duplicate_name_422(api, admin_user, make_template):
    make_template()

    response = api(admin_user).post(URL, {**VALID, "name": "welcome NEW lead"}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == {"name": ["Another template already has this name."]}


def test_sales_user_reads_but_cannot_write(api, sales_user, make_template):
    template = make_template()
    client = api(sales_user)

    assert client.get(URL).json()["collection"][0]["id"] == template.pk
    assert client.get(f"{URL}/{template.pk}").status_code == 200
    assert client.post(URL, VALID, format="json").status_code == 403
    assert client.patch(f"{URL}/{template.pk}", {"name": "X"}, format="json").status_code == 403
    assert client.delete(f"{URL}/{template.pk}").status_code == 403
    assert client.post(f"{URL}/{template.pk}/submit").status_code == 403
    assert client.post(f"{URL}/{template.pk}/duplicate").status_code == 403
    template.refresh_from_db()
    assert template.name == "Welcome new lead"
    assert MessageTemplate.objects.count() == 1


def test_no_credentials_401(api, make_template):
    assert api().get(URL).status_code == 401


def test_other_companys_template_is_404_everywhere(api, other_user, make_template):
    template = make_template()
    client = api(other_user)

    assert client.get(URL).json()["collection"] == []
    for response in (
        client.get(f"{URL}/{template.pk}"),
        client.put(f"{URL}/{template.pk}", {"name": "Stolen"}, format="json"),
        client.delete(f"{URL}/{template.pk}"),
        client.post(f"{URL}/{template.pk}/submit"),
        client.post(f"{URL}/{template.pk}/sync"),
        client.post(f"{URL}/{template.pk}/duplicate"),
    ):
        assert response.status_code == 404
    template.refresh_from_db()
    assert template.name == "Welcome new lead"
    assert MessageTemplate.objects.count() == 1


def test_list_filters_by_status_and_category(api, admin_user, make_template):
    make_template(name="A", category="marketing", status=TemplateStatus.APPROVED)
    make_template(name="B", category="utility", status=TemplateStatus.DRAFT)
    client = api(admin_user)

    assert [t["name"] for t in client.get(URL, {"status": "approved"}).json()["collection"]] == [
        "A"
    ]
    assert [t["name"] for t in client.get(URL, {"category": "utility"}).json()["collection"]] == [
        "B"
    ]
    assert client.get(URL, {"status": "nope"}).status_code == 422


def test_list_query_count_does_not_grow(api, admin_user, make_template, django_assert_num_queries):
    for index in range(5):
        make_template(name=f"T{index}")
    client = api(admin_user)

    with django_assert_num_queries(3):  # user with company, count, page
        response = client.get(URL)
    assert len(response.json()["collection"]) == 5


def test_put_on_approved_template_edits_and_warns(api, admin_user, approved_template):
    response = api(admin_user).put(
        f"{URL}/{approved_template.pk}",
        {"body": "Hi {{1}}, come to {{2}} this week for a free class with a friend."},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["warning"] == WARNING == APPROVED_EDIT_WARNING
    assert response.json()["status"] == "approved"
    approved_template.refresh_from_db()
    assert approved_template.body.startswith("Hi {{1}}, come to {{2}}")


def test_put_on_ticked_twilio_approved_template_warns(api, admin_user, make_template):
    template = make_template(twilio_approved=True, content_sid="HX" + "b" * 32)

    response = api(admin_user).patch(f"{URL}/{template.pk}", {"is_recontact": True}, format="json")

    assert response.json()["warning"] == WARNING
    assert response.json()["is_recontact"] is True


def test_put_on_draft_has_a_null_warning(api, admin_user, make_template):
    """API.md: unset fields are null (and the schema's TemplateWithWarning always has it)."""
    template = make_template()

    response = api(admin_user).put(f"{URL}/{template.pk}", {"name": "Renamed"}, format="json")

    assert response.status_code == 200
    assert response.json()["warning"] is None
    assert response.json()["name"] == "Renamed"


def test_edit_of_rejected_template_returns_it_to_draft(api, admin_user, make_template):
    template = make_template(
        status=TemplateStatus.REJECTED, content_sid="HX" + "b" * 32, rejection_reason="Spam"
    )

    response = api(admin_user).patch(
        f"{URL}/{template.pk}", {"footer": "Reply STOP to opt out"}, format="json"
    )

    assert response.json()["status"] == "draft"
    assert response.json()["content_sid"] is None
    assert response.json()["rejection_reason"] is None


def test_invalid_edit_is_422_and_changes_nothing(api, admin_user, approved_template):
    response = api(admin_user).patch(
        f"{URL}/{approved_template.pk}",
        {"buttons": [{"type": "quick_reply", "text": "x" * 30}]},
        format="json",
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["buttons"]
    approved_template.refresh_from_db()
    assert approved_template.buttons == []


def test_duplicate_makes_a_draft_copy_without_content_sid(api, admin_user, approved_template):
    response = api(admin_user).post(f"{URL}/{approved_template.pk}/duplicate")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Copy of Class promo"
    assert (body["status"], body["content_sid"], body["twilio_approved"]) == ("draft", None, False)
    assert body["body"] == approved_template.body
    again = api(admin_user).post(
        f"{URL}/{approved_template.pk}/duplicate", {"name": "Promo v2"}, format="json"
    )
    assert again.json()["name"] == "Promo v2"


def test_delete_keeps_message_history(api, admin_user, approved_template, person):
    message = Message.objects.create(
        company=approved_template.company,
        person=person,
        direction="outbound",
        body="Hi",
        template=approved_template,
    )

    response = api(admin_user).delete(f"{URL}/{approved_template.pk}")

    assert response.status_code == 204
    assert not MessageTemplate.objects.filter(pk=approved_template.pk).exists()
    message.refresh_from_db()
    assert (message.template_id, message.body) == (None, "Hi")


def test_250_templates_cap(api, admin_user, company, other_company):
    MessageTemplate.objects.bulk_create(
        MessageTemplate(company=company, name=f"T{i}", category="utility", body="Hello there")
        for i in range(meta_limits.TEMPLATES_PER_COMPANY_MAX)
    )
    MessageTemplate.objects.create(
        company=other_company, name="Other", category="utility", body="Hi"
    )

    response = api(admin_user).post(URL, VALID, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "template_limit_reached"
    assert "at most 250 templates" in response.json()["errors"]["base"][0]
    assert MessageTemplate.objects.filter(company=company).count() == 250


def test_malformed_json_400_and_wrong_content_type_415(api, admin_user):
    client = api(admin_user)

    assert client.generic("POST", URL, "{bad", content_type="application/json").status_code == 400
    assert client.generic("POST", URL, "x", content_type="text/plain").status_code == 415


SID = "HX" + "0123456789abcdef" * 2


def test_content_sid_is_writable_for_a_template_made_in_twilio(api, admin_user, company):
    client = api(admin_user)
    response = client.post(
        URL, {**VALID, "content_sid": SID, "twilio_approved": True}, format="json"
    )

    assert response.status_code == 201, response.content
    assert (response.json()["content_sid"], response.json()["twilio_approved"]) == (SID, True)
    template = MessageTemplate.objects.get(company=company)
    assert template.is_sendable
    other = "HX" + "f" * 32
    response = client.patch(f"{URL}/{template.pk}", {"content_sid": other}, format="json")
    assert response.status_code == 200
    assert response.json()["content_sid"] == other
    template.refresh_from_db()
    assert template.content_sid == other


@pytest.mark.parametrize("bad", ["HX123", "MG" + "a" * 32, "HX" + "g" * 32, " HX"])
def test_content_sid_of_another_shape_is_422(api, admin_user, make_template, bad):
    template = make_template()

    response = api(admin_user).patch(f"{URL}/{template.pk}", {"content_sid": bad}, format="json")

    assert response.status_code == 422
    assert response.json() == {
        "errors": {"content_sid": ["A Content SID is HX followed by 32 hexadecimal characters."]}
    }
    template.refresh_from_db()
    assert template.content_sid == ""


def test_ticking_twilio_approved_without_a_content_sid_is_422(api, admin_user, make_template):
    template = make_template()

    response = api(admin_user).patch(
        f"{URL}/{template.pk}", {"twilio_approved": True}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "content_sid": [
            "A template ticked as Twilio approved needs its Content SID (HX…) from Twilio."
        ]
    }
    template.refresh_from_db()
    assert template.twilio_approved is False
