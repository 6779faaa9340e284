"""whatsapp 0007 moves each note's link to its message from the core's Note.message to WhatsApp's
MessageNote, before gymsales 0004 drops the column; unapplied, it copies the links back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("gymsales", "0003_sale_types"), ("whatsapp", "0006_audit_trail")]
AFTER = [("gymsales", "0004_remove_note_message"), ("whatsapp", "0007_message_note")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_note_links_move_to_whatsapp_and_back():
    apps = _migrate(BEFORE)
    Company, Club, Person = (apps.get_model("gymsales", m) for m in ("Company", "Club", "Person"))
    Note, Message = apps.get_model("gymsales", "Note"), apps.get_model("whatsapp", "Message")
    company = Company.objects.create(name="Migrating Gyms")
    club = Club.objects.create(company=company, name="Main")
    person = Person.objects.create(company=company, club=club, first_name="Ann")
    message = Message.objects.create(company=company, person=person, direction="outbound")
    echo = Note.objects.create(
        company=company, person=person, kind="whatsapp_sent", text="sent", message=message
    )
    plain = Note.objects.create(company=company, person=person, kind="general", text="a note")
    try:
        apps = _migrate(AFTER)
        links = apps.get_model("whatsapp", "MessageNote").objects.values_list("note", "message")
        assert list(links) == [(echo.pk, message.pk)]
        assert "message" not in {f.name for f in apps.get_model("gymsales", "Note")._meta.fields}

        apps = _migrate(BEFORE)
        back = dict(apps.get_model("gymsales", "Note").objects.values_list("pk", "message_id"))
        assert back == {echo.pk: message.pk, plain.pk: None}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
