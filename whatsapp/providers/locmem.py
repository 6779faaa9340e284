"""The `locmem` WhatsApp backend."""

from __future__ import annotations

from templates_app.content_backends import LocmemContentMixin
from whatsapp.providers import WhatsAppBackend


class LocmemBackend(LocmemContentMixin, WhatsAppBackend):
    pass
