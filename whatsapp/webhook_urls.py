"""Twilio webhooks: /webhooks/twilio/whatsapp/..."""

from django.urls import path

from whatsapp import webhooks

urlpatterns = [
    path("inbound", webhooks.inbound, name="whatsapp-webhook-inbound"),
    path("status", webhooks.status, name="whatsapp-webhook-status"),
]
