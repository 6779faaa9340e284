"""This app's pages: Company Settings › WhatsApp templates."""

from django.urls import path

from templates_app import views

P = "settings/whatsapp/templates/"
urlpatterns = [
    path(P, views.template_list, name="templates-list"),
    path(f"{P}new/", views.template_new, name="templates-new"),
    path(f"{P}validate/", views.template_validate, name="templates-validate"),
    path(f"{P}people/", views.template_people, name="templates-people"),
    path(f"{P}<int:template_id>/", views.template_edit, name="templates-edit"),
    path(f"{P}<int:template_id>/submit/", views.template_submit, name="templates-submit"),
    path(f"{P}<int:template_id>/sync/", views.template_sync, name="templates-sync"),
    path(f"{P}<int:template_id>/duplicate/", views.template_duplicate, name="templates-duplicate"),
    path(f"{P}<int:template_id>/delete/", views.template_delete, name="templates-delete"),
]
