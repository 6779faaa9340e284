"""An integrator's first step (issue 13): generate a Python client from /api/v1/schema/ with
openapi-python-client and use it against a live server — peopleCreate, peopleUpdate
(`whatsapp_opted_out`), a send and the message list, every answer parsed into the schema's models.
"""

from __future__ import annotations

import base64
import importlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.factories import PASSWORD
from tests.whatsapp.conftest import enable, make_template
from whatsapp.providers import locmem

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def generated_client(live_server, tmp_path, monkeypatch):
    """The package openapi-python-client writes from the live schema, imported as `gymsales_client`."""
    schema = httpx.get(f"{live_server.url}/api/v1/schema/?format=json", timeout=60)
    assert schema.status_code == 200
    (tmp_path / "openapi.json").write_bytes(schema.content)
    (tmp_path / "config.yaml").write_text("post_hooks: []\n")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / "gymsales_client"),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("gymsales_client")
    for name in [m for m in sys.modules if m.split(".")[0] == "gymsales_client"]:
        del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_generated_client_creates_updates_sends_and_lists(
    generated_client, live_server, settings, company, admin_user
):
    from gymsales.celery import app

    settings.WHATSAPP_BACKEND = "locmem"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    locmem.reset()
    enable(company)
    template = make_template(company)
    people = importlib.import_module("gymsales_client.api.people")
    models = importlib.import_module("gymsales_client.models")
    for name in (
        "people_create",
        "people_update",
        "whatsapp_message_send",
        "whatsapp_messages_list",
    ):
        importlib.import_module(f"gymsales_client.api.people.{name}")
    token = base64.b64encode(f"{admin_user.email}:{PASSWORD}".encode()).decode()
    client = generated_client.Client(
        base_url=live_server.url, headers={"Authorization": f"Basic {token}"}, timeout=60
    )

    def send():
        return people.whatsapp_message_send.sync_detailed(
            person_id=eve.id,
            client=client,
            body=models.SendRequest(
                template_id=template.pk,
                variables=models.SendRequestVariables.from_dict({"1": "Eve"}),
            ),
        )

    try:
        created = people.people_create.sync_detailed(
            client=client,
            body=models.PersonInputRequest(
                first_name="Eve", last_name="Adams", phone_mobile="07911 123456"
            ),
        )
        assert created.status_code == 201, created.content
        eve = created.parsed
        assert isinstance(eve, models.Person)
        assert (eve.phone_mobile, eve.email, eve.whatsapp_opted_out) == (
            "+447911123456",
            None,
            False,
        )
        assert created.headers["Location"] == f"/api/v1/people/{eve.id}"

        opted_out = people.people_update.sync_detailed(
            person_id=eve.id,
            client=client,
            body=models.PatchedPersonInputRequest(whatsapp_opted_out=True),
        )
        assert opted_out.status_code == 200, opted_out.content
        assert opted_out.parsed.whatsapp_opted_out is True

        refused = send()
        assert refused.status_code == 422
        assert isinstance(refused.parsed, models.Error)
        assert refused.parsed.code == models.ErrorCode.OPTED_OUT

        opted_in = people.people_update.sync_detailed(
            person_id=eve.id,
            client=client,
            body=models.PatchedPersonInputRequest(
                whatsapp_opted_out=False, whatsapp_consent_proof="Said yes at the desk"
            ),
        )
        assert opted_in.parsed.whatsapp_opted_out is False

        sent = send()
        assert sent.status_code == 202, sent.content
        assert isinstance(sent.parsed, models.Message)
        assert sent.parsed.template_id == template.pk
        assert [entry["message"].message_id for entry in locmem.outbox] == [sent.parsed.id]

        listed = people.whatsapp_messages_list.sync_detailed(person_id=eve.id, client=client)
        assert listed.status_code == 200
        assert isinstance(listed.parsed, models.MessageCollection)
        assert [m.id for m in listed.parsed.collection] == [sent.parsed.id]
        assert listed.parsed.pagination.total_entries == 1
    finally:
        app.conf.task_always_eager = False
        locmem.reset()
