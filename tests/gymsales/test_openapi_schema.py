"""The OpenAPI description says what the API does (issue 13): envelopes, errors and their codes,
statuses, Basic auth, examples; OPTIONS never a 500. The fuzz test checks real responses against it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gymsales.api.schema import ERROR_CODES

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ["gymsales", "whatsapp", "templates_app", "automations", "reporting"]
COLLECTIONS = {
    "peopleList",
    "peopleSearch",
    "salesList",
    "appointmentsList",
    "companiesList",
    "clubsList",
    "usersList",
    "whatsappMessagesList",
    "personNotesList",
    "newsfeedList",
    "templatesList",
    "automatedItemsList",
    "automatedItemRuns",
    "whatsappAuditList",
}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_collections_are_the_shared_envelope(schema):
    seen = set()
    for _path, _method, operation in _operations(schema):
        if operation["operationId"] not in COLLECTIONS:
            continue
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        seen.add(operation["operationId"])
        envelope = _component(schema, body["$ref"])
        assert envelope["allOf"][0] == {"$ref": "#/components/schemas/Collection"}
        assert envelope["allOf"][1]["properties"]["collection"]["type"] == "array"
        names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert {"page", "per_page"} <= names
    assert seen == COLLECTIONS
    collection = schema["components"]["schemas"]["Collection"]
    assert collection["required"] == ["pagination"]
    assert collection["properties"]["pagination"] == {"$ref": "#/components/schemas/Pagination"}


def test_every_operation_lists_its_error_statuses_with_the_shared_error_body(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"401", "403", "429"}
        if "{" in path:
            expected.add("404")
        if method in ("post", "put", "patch"):
            expected |= {"400", "413", "415", "422"}
        assert expected <= set(responses), (method, path)
        for code in expected:
            response = responses[code]
            if "$ref" in response:  # one of the shared error responses
                assert response["$ref"].startswith("#/components/responses/")
            else:  # the operation's own description of that status
                schema_ = response["content"]["application/json"]["schema"]
                assert schema_ == {"$ref": "#/components/schemas/Error"}
    for response in schema["components"]["responses"].values():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    unauthorized = schema["components"]["responses"]["Unauthorized"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    assert "Retry-After" in schema["components"]["responses"]["TooManyRequests"]["headers"]


def test_conflicts_are_declared_by_the_operations_that_answer_them(schema):
    """409 is each view's own declaration (campaign writes its status refuses, a template in use)."""
    conflicts = {
        (path, method)
        for path, method, operation in _operations(schema)
        if "409" in operation["responses"]
    }
    campaign = "/api/v1/whatsapp/campaigns/{campaign_id}"
    actions = {f"{campaign}/{a}" for a in ("start", "pause", "resume", "stop", "retry-failed")}
    assert conflicts == {
        (campaign, "put"),
        (campaign, "patch"),
        (campaign, "delete"),
        ("/api/v1/whatsapp/templates/{template_id}", "delete"),
    } | {(path, "post") for path in actions}
    for path, method in conflicts:
        response = schema["paths"][path][method]["responses"]["409"]
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_created_answers_carry_location_and_sends_are_202(schema):
    for _path, _method, operation in _operations(schema):
        if "201" in operation["responses"]:
            assert "Location" in operation["responses"]["201"]["headers"]
    send = schema["paths"]["/api/v1/people/{person_id}/whatsapp/messages"]["post"]
    assert "202" in send["responses"]
    assert "200" not in send["responses"]


def test_basic_auth_is_the_only_scheme(schema):
    assert schema["components"]["securitySchemes"] == {
        "basicAuth": {
            "type": "http",
            "scheme": "basic",
            "description": "A user's email and password.",
        }
    }
    for _path, _method, operation in _operations(schema):
        assert operation["security"] == [{"basicAuth": []}]


def test_people_and_send_operations_have_examples(schema):
    people = schema["paths"]["/api/v1/people"]["post"]
    update = schema["paths"]["/api/v1/people/{person_id}"]["put"]
    send = schema["paths"]["/api/v1/people/{person_id}/whatsapp/messages"]["post"]
    for operation in (people, update, send):
        assert operation["requestBody"]["content"]["application/json"]["examples"]
    opt_in = update["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"].get("whatsapp_opted_out") is False for e in opt_in.values())
    assert send["responses"]["202"]["content"]["application/json"]["examples"]


def test_nullable_fields_are_nullable(schema):
    def nullable(component, field):
        return schema["components"]["schemas"][component]["properties"][field].get("nullable")

    for component, field in [
        ("Person", "last_name"),
        ("Person", "phone_mobile"),
        ("Appointment", "kind"),
        ("Template", "rejection_reason"),
        ("Template", "content_sid"),
        ("WhatsAppSettings", "sender_number"),
        ("WhatsAppSettings", "suspended_reason"),
        ("TemplateWithWarning", "warning"),
    ]:
        assert nullable(component, field), (component, field)


def test_error_codes_are_an_enum_that_covers_every_code_the_code_raises(schema):
    code = schema["components"]["schemas"]["Error"]["properties"]["code"]
    assert set(code["enum"]) == set(ERROR_CODES)
    raised = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                raised |= _codes_in(node)
    missing = raised - set(ERROR_CODES)
    assert not missing, f"add these codes to gymsales.api.schema.ERROR_CODES: {sorted(missing)}"
    assert raised  # the scan found the code base's codes


def _codes_in(node) -> set[str]:
    """`code="..."` given to DomainError(...), and the first argument of Refusal(...)."""
    if not isinstance(node, ast.Call):
        return set()
    name = getattr(node.func, "id", getattr(node.func, "attr", ""))
    if name not in ("DomainError", "Refusal"):
        return set()
    codes = {
        kw.value.value
        for kw in node.keywords
        if kw.arg == "code"
        and isinstance(kw.value, ast.Constant)
        and isinstance(kw.value.value, str)
    }
    if name == "Refusal" and node.args and isinstance(node.args[0], ast.Constant):
        codes.add(node.args[0].value)
    return codes


def test_options_answers_every_path_without_a_500(schema, api, admin_user, superuser, person):
    ids = {"person_id": person.pk, "company_id": admin_user.company_id}
    for path in schema["paths"]:
        url = path
        for name, value in ids.items():
            url = url.replace("{" + name + "}", str(value))
        url = url.replace("{", "").replace("}", "")  # other ids: a 404 or a 200, never a 500
        for user in (admin_user, superuser):
            response = api(user).options(url)
            assert response.status_code in (200, 403, 404, 405), (url, response.status_code)
            assert response["Content-Type"].startswith("application/json")
