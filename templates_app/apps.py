from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "WhatsApp templates"

    def ready(self):
        from gymsales.demo import demo_seeder_register
        from templates_app import demo

        demo_seeder_register(demo.seed)
