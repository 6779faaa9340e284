from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "WhatsApp templates"

    def ready(self):
        from gymsales.context_processors import nav_item_register
        from gymsales.demo import demo_seeder_register
        from gymsales.models import Role
        from templates_app import demo

        demo_seeder_register(demo.seed)
        nav_item_register("Templates", "/settings/whatsapp/templates/", {Role.ADMIN})
