from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    verbose_name = "WhatsApp"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        import whatsapp.tasks  # noqa: F401 (registers the tasks that services enqueue by name)
        from whatsapp.models import WhatsAppSettings

        _plug_into_the_core()

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


def _plug_into_the_core():
    """The hooks of the apps below: a new company's settings, the Client Profile's panel, the
    fields of a Person and a Company in the API, the demo data, the Newsfeed in the navigation;
    the templates' Twilio credentials."""
    from gymsales import services
    from gymsales.api.people import person_field_register
    from gymsales.api.platform import company_field_register
    from gymsales.api.schema import error_codes_register
    from gymsales.context_processors import nav_item_register
    from gymsales.demo import demo_seeder_register
    from gymsales.profile import profile_panel_register
    from templates_app import services as templates
    from whatsapp import api, demo, profile
    from whatsapp.selectors import credentials_for_company
    from whatsapp.services.settings import whatsapp_settings_create

    if whatsapp_settings_create not in services.COMPANY_CREATED_HANDLERS:
        services.COMPANY_CREATED_HANDLERS.append(whatsapp_settings_create)
    profile_panel_register(profile.PANEL)
    person_field_register(api.PERSON_FIELD, example=api.PERSON_EXAMPLE)
    company_field_register(api.COMPANY_FIELD)
    error_codes_register(api.ERROR_CODES)
    demo_seeder_register(demo.seed)
    nav_item_register("Newsfeed", "/newsfeed/")
    if credentials_for_company not in templates.CREDENTIALS_LOOKUP:
        templates.CREDENTIALS_LOOKUP.append(credentials_for_company)
