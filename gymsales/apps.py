from django.apps import AppConfig


class GymsalesConfig(AppConfig):
    name = "gymsales"
    verbose_name = "GymSales CRM"
