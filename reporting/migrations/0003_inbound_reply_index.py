"""An index for the Bulk WhatsApp report's "replied within 72 h" probe: a person's inbound messages
by time (only inbound rows, so a probe reads one or two entries however many messages the person
has). Built CONCURRENTLY: writers are not blocked on a large messages table."""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reporting", "0002_counter_triggers"),
        ("whatsapp", "0002_sessions_sending_webhook_queue"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS reporting_inbound_by_person"
            " ON whatsapp_message (person_id, created_at) WHERE direction = 'inbound'",
            "DROP INDEX CONCURRENTLY IF EXISTS reporting_inbound_by_person",
        )
    ]
