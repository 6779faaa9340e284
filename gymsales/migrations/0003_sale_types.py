from django.db import migrations

SALE_TYPES = [("membership", "Membership"), ("secondary", "Secondary Sales")]


def create_sale_types(apps, schema_editor):
    SaleType = apps.get_model("gymsales", "SaleType")
    for key, name in SALE_TYPES:
        SaleType.objects.update_or_create(key=key, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("gymsales", "0002_initial")]

    operations = [migrations.RunPython(create_sale_types, migrations.RunPython.noop)]
