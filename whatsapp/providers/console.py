"""The `console` WhatsApp backend."""

from __future__ import annotations

from templates_app.content_backends import ConsoleContentMixin
from whatsapp.providers import WhatsAppBackend


class ConsoleBackend(ConsoleContentMixin, WhatsAppBackend):
    pass
