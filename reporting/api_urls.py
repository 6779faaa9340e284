"""This app's part of /api/v1/."""

from django.urls import path

from reporting import api, bulk_api

urlpatterns = [
    path("reports/whatsapp-activity", api.WhatsAppActivityView.as_view()),
    path("reports/user-statistics", api.UserStatisticsView.as_view()),
    path("reports/bulk-whatsapp", bulk_api.BulkWhatsAppView.as_view()),
    path(
        "reports/bulk-whatsapp/<int:campaign_id>/people",
        bulk_api.BulkWhatsAppPeopleView.as_view(),
    ),
]
