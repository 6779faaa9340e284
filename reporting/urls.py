"""This app's pages."""

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.reports_index, name="index"),
    path("reports/activity/", views.activity_page, name="activity"),
    path("reports/user-statistics/", views.user_statistics_page, name="user-statistics"),
    path("reports/bulk-whatsapp/", views.bulk_whatsapp_page, name="bulk"),
    path(
        "reports/bulk-whatsapp/<int:campaign_id>/", views.bulk_campaign_page, name="bulk-campaign"
    ),
    path(
        "reports/bulk-whatsapp/<int:campaign_id>/people/",
        views.bulk_bucket_page,
        name="bulk-bucket",
    ),
    path(
        "reports/bulk-whatsapp/<int:campaign_id>/retarget/",
        views.bulk_retarget,
        name="bulk-retarget",
    ),
]
