from django.db import migrations


class Migration(migrations.Migration):
    """A note's message is WhatsApp's business: whatsapp.MessageNote (whatsapp 0007 copies the
    links first; it runs before this one)."""

    dependencies = [("gymsales", "0003_sale_types")]

    operations = [migrations.RemoveField(model_name="note", name="message")]
