"""This app's part of /api/v1/."""

from django.urls import path

from whatsapp import api

urlpatterns = [
    path("people/<int:person_id>/whatsapp/messages", api.PersonMessagesView.as_view()),
    path("people/<int:person_id>/whatsapp/opt-out", api.PersonOptOutView.as_view()),
    path("people/<int:person_id>/notes", api.PersonNotesView.as_view()),
    path("newsfeed", api.NewsfeedView.as_view()),
    path("companies/<int:company_id>/whatsapp", api.CompanyWhatsAppView.as_view()),
    path("companies/<int:company_id>/whatsapp/audit", api.CompanyWhatsAppAuditView.as_view()),
]
