"""Media of inbound messages: which URLs may be shown, and which the app fetches itself with the
company's credentials (whatsapp.providers.twilio.media), so pages show them through the app
instead of linking to whatever URL a webhook carried.

A URL is shown only when it is https (http too where WHATSAPP_MEDIA_ALLOW_HTTP allows it, for a
local twin); a `javascript:` or `data:` URL never is. The app fetches only from Twilio's hosts (or
TWILIO_API_BASE, where Twilio's calls are sent), never from an arbitrary host a webhook names.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from whatsapp.providers import MediaContent

__all__ = [
    "INLINE_IMAGE_TYPES",
    "MAX_MEDIA_BYTES",
    "MediaContent",
    "is_twilio_host",
    "media_url_fetchable",
    "media_url_kept",
    "media_url_shown",
]

MAX_MEDIA_BYTES = 16 * 1024 * 1024  # WhatsApp's own cap on audio and video
# Safe to show inline from our own origin: raster images only (never SVG or HTML).
INLINE_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def media_url_shown(url: str) -> bool:
    """https with a host; http only where the setting allows it (local twins)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return False
    schemes = {"https", "http"} if settings.WHATSAPP_MEDIA_ALLOW_HTTP else {"https"}
    return parts.scheme.lower() in schemes and bool(parts.hostname)


def media_url_kept(url: str) -> str:
    """What an inbound message stores of a media URL: the URL if it may be shown, else ""."""
    return url[:2000] if media_url_shown(url) else ""


def _api_base_host() -> str | None:
    base = settings.TWILIO_API_BASE
    return urlsplit(base).hostname if base else None


def is_twilio_host(host: str) -> bool:
    return host == "twilio.com" or host.endswith(".twilio.com")


def media_url_fetchable(url: str) -> bool:
    """Shown, and on a host the company's credentials belong to (Twilio, or its stand-in)."""
    if not media_url_shown(url):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return is_twilio_host(host) or host == _api_base_host()
