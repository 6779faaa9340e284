"""This app's pages."""

from django.urls import path

from automations import views

app_name = "automations"

urlpatterns = [
    path("settings/automations/", views.automated_items_page, name="list"),
    path("settings/automations/new/", views.automated_item_create_page, name="create"),
    path(
        "settings/automations/template-description/",
        views.template_description_partial,
        name="template-description",
    ),
    path("settings/automations/<int:item_id>/", views.automated_item_edit_page, name="edit"),
    path(
        "settings/automations/<int:item_id>/delete/",
        views.automated_item_delete_page,
        name="delete",
    ),
    path("settings/automations/<int:item_id>/runs/", views.automated_item_runs_page, name="runs"),
]
