"""Media of inbound messages: which URLs may be shown, and fetching them with the company's
Twilio credentials (Twilio can require HTTP Basic auth on media), so pages show them through the
app instead of linking to whatever URL a webhook carried.

A URL is shown only when it is https (http too where WHATSAPP_MEDIA_ALLOW_HTTP allows it, for a
local twin); a `javascript:` or `data:` URL never is. The app fetches only from Twilio's hosts (or
TWILIO_API_BASE, where Twilio's calls are sent), never from an arbitrary host a webhook names.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

from whatsapp.providers import Credentials, ProviderError

MAX_MEDIA_BYTES = 16 * 1024 * 1024  # WhatsApp's own cap on audio and video
TIMEOUT = (5, 20)  # connect, read (seconds)
# Safe to show inline from our own origin: raster images only (never SVG or HTML).
INLINE_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


@dataclass(frozen=True)
class MediaContent:
    content_type: str
    content: bytes


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


def _is_twilio_host(host: str) -> bool:
    return host == "twilio.com" or host.endswith(".twilio.com")


def media_url_fetchable(url: str) -> bool:
    """Shown, and on a host the company's credentials belong to (Twilio, or its stand-in)."""
    if not media_url_shown(url):
        return False
    host = (urlsplit(url).hostname or "").lower()
    return _is_twilio_host(host) or host == _api_base_host()


def _target(url: str) -> str:
    """Twilio's URL, sent to TWILIO_API_BASE when set (as every other Twilio call is)."""
    base = settings.TWILIO_API_BASE
    parts = urlsplit(url)
    if base and _is_twilio_host((parts.hostname or "").lower()):
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def media_fetch_over_http(url: str, *, credentials: Credentials) -> MediaContent:
    """GET the media with HTTP Basic (account SID, auth token); follows Twilio's redirect to its
    media store (requests drops the credentials on a redirect to another host)."""
    if not media_url_fetchable(url):
        raise ProviderError("This media is not on Twilio.", code="media_host", transient=False)
    try:
        with requests.get(
            _target(url),
            auth=(credentials.account_sid, credentials.auth_token),
            timeout=TIMEOUT,
            stream=True,
        ) as response:
            if response.status_code != 200:
                raise ProviderError(
                    f"Twilio answered {response.status_code} for this media.",
                    status=response.status_code,
                    transient=response.status_code >= 500,
                )
            content = b""
            for chunk in response.iter_content(64 * 1024):
                content += chunk
                if len(content) > MAX_MEDIA_BYTES:
                    raise ProviderError("This media is too large to show.", transient=False)
            content_type = response.headers.get("Content-Type", "application/octet-stream")
    except requests.RequestException as exc:
        raise ProviderError(
            f"Could not fetch the media: {type(exc).__name__}", transient=True
        ) from None
    return MediaContent(content_type=content_type.split(";")[0].strip().lower(), content=content)
