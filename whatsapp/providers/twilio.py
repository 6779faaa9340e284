"""The `twilio` WhatsApp backend."""

from __future__ import annotations

from templates_app.content_backends import TwilioContentMixin
from whatsapp.providers import WhatsAppBackend


class TwilioBackend(TwilioContentMixin, WhatsAppBackend):
    pass
