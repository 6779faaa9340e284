"""Twilio Content API per backend, mixed into the WhatsApp provider backends (one seam).

`whatsapp.providers.twilio.TwilioBackend` = `TwilioContentMixin` + its send; likewise console, locmem.
"""

from __future__ import annotations


class TwilioContentMixin:
    """content.twilio.com/v1/Content and .../ApprovalRequests/whatsapp through the twilio client."""


class ConsoleContentMixin:
    """Development: fake Content SIDs; approval arrives after a short delay."""


class LocmemContentMixin:
    """Tests: keeps the Content resources and approval requests in memory."""
