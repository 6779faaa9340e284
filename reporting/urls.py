"""This app's pages."""

from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.reports_index, name="index"),
    path("reports/activity/", views.activity_page, name="activity"),
    path("reports/user-statistics/", views.user_statistics_page, name="user-statistics"),
]
