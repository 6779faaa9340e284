"""This app's part of /api/v1/."""

from django.urls import path

from templates_app import api

urlpatterns = [
    path("whatsapp/templates", api.TemplatesView.as_view()),
    path("whatsapp/templates/<int:template_id>", api.TemplateView.as_view()),
    path("whatsapp/templates/<int:template_id>/submit", api.TemplateSubmitView.as_view()),
    path("whatsapp/templates/<int:template_id>/sync", api.TemplateSyncView.as_view()),
    path("whatsapp/templates/<int:template_id>/duplicate", api.TemplateDuplicateView.as_view()),
]
