from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        from gymsales.context_processors import nav_item_register
        from gymsales.models import Role

        nav_item_register("Reports", "/reports/", {Role.MANAGER, Role.ADMIN})
