"""Twilio webhooks: /webhooks/twilio/whatsapp/..."""

urlpatterns: list = []
