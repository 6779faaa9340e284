"""This app's part of /api/v1/."""

from django.urls import include, path

from automations import api

urlpatterns = [
    path("automated-items", api.AutomatedItemsView.as_view()),
    path("automated-items/<int:item_id>", api.AutomatedItemView.as_view()),
    path("automated-items/<int:item_id>/runs", api.AutomatedItemRunsView.as_view()),
    path("", include("automations.campaigns.api_urls")),
]
