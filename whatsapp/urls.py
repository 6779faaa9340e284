"""This app's pages: the New WhatsApp dialog, history partials, opt-out and the Newsfeed."""

from django.urls import path

from whatsapp import views

urlpatterns = [
    path("people/<int:person_id>/history/", views.person_history, name="person-history"),
    path("people/<int:person_id>/whatsapp/new/", views.whatsapp_new, name="whatsapp-new"),
    path(
        "people/<int:person_id>/whatsapp/opt-out/",
        views.whatsapp_opt_out,
        name="whatsapp-opt-out",
    ),
    path(
        "people/<int:person_id>/whatsapp/media/<int:message_id>/<int:index>/",
        views.whatsapp_media,
        name="whatsapp-media",
    ),
    path("newsfeed/", views.newsfeed, name="newsfeed"),
]
