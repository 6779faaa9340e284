"""This app's part of /api/v1/."""

from django.urls import path

from reporting import api

urlpatterns = [
    path("reports/whatsapp-activity", api.WhatsAppActivityView.as_view()),
    path("reports/user-statistics", api.UserStatisticsView.as_view()),
]
