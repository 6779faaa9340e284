"""The triggers, view and functions that keep the WhatsApp counters (reporting.counter_sql)."""

from django.db import migrations

from reporting.counter_sql import COUNTERS_SQL, DROP_COUNTERS_SQL


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_counters")]

    operations = [migrations.RunSQL(COUNTERS_SQL, DROP_COUNTERS_SQL)]
