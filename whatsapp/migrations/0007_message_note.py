import django.db.models.deletion
from django.db import migrations, models

# Every note's link to its message, from the core's Note.message (removed by gymsales 0004).
COPY_LINKS = """
    INSERT INTO whatsapp_messagenote (note_id, message_id)
    SELECT id, message_id FROM gymsales_note WHERE message_id IS NOT NULL
"""
COPY_LINKS_BACK = """
    UPDATE gymsales_note n SET message_id = l.message_id
    FROM whatsapp_messagenote l WHERE l.note_id = n.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("gymsales", "0003_sale_types"),
        ("whatsapp", "0006_audit_trail"),
    ]
    # The core's migrations do not depend on WhatsApp: WhatsApp says it must copy the links
    # before the core drops its column.
    run_before = [("gymsales", "0004_remove_note_message")]

    operations = [
        migrations.CreateModel(
            name="MessageNote",
            fields=[
                (
                    "note",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="message_link",
                        serialize=False,
                        to="gymsales.note",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="note_links",
                        to="whatsapp.message",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(COPY_LINKS, COPY_LINKS_BACK),
    ]
