from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        import whatsapp.tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from whatsapp.models import WhatsAppSettings

        post_save.connect(
            _settings_changed,
            sender=WhatsAppSettings,
            dispatch_uid="whatsapp.services.accounts.saved",
        )
        post_delete.connect(
            _settings_changed,
            sender=WhatsAppSettings,
            dispatch_uid="whatsapp.services.accounts.deleted",
        )


def _settings_changed(sender, **kwargs):
    """Any save of WhatsApp settings (API, Django admin, shell) invalidates the account cache of
    every process: at once, and again on commit so no process keeps the pre-commit token.
    """
    from django.db import transaction

    from whatsapp.services.accounts import accounts_changed

    accounts_changed()
    transaction.on_commit(accounts_changed)
