from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "WhatsApp templates"

    def ready(self):
        from gymsales.api.schema import error_codes_register
        from gymsales.context_processors import nav_item_register
        from gymsales.demo import demo_seeder_register
        from gymsales.models import Role
        from templates_app import api, demo

        demo_seeder_register(demo.seed)
        error_codes_register(api.ERROR_CODES)
        nav_item_register("Templates", "/settings/whatsapp/templates/", {Role.ADMIN})
