"""The triggers, view and functions that keep the WhatsApp counters (reporting.counter_sql)."""

from django.db import migrations

from reporting.counter_sql import install_counters, uninstall_counters


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_counters")]

    operations = [migrations.RunPython(install_counters, uninstall_counters)]
