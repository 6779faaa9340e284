"""Inbound media on Twilio, fetched with the company's credentials (Twilio can require HTTP Basic
auth on media). Only from Twilio's hosts, or TWILIO_API_BASE where Twilio's calls are sent
(whatsapp.providers.media.media_url_fetchable): never from an arbitrary host a webhook names."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from django.conf import settings

from whatsapp.providers import Credentials, MediaContent, ProviderError
from whatsapp.providers.media import MAX_MEDIA_BYTES, is_twilio_host, media_url_fetchable

TIMEOUT = (5, 20)  # connect, read (seconds)


def _target(url: str) -> str:
    """Twilio's URL, sent to TWILIO_API_BASE when set (as every other Twilio call is)."""
    base = settings.TWILIO_API_BASE
    parts = urlsplit(url)
    if base and is_twilio_host((parts.hostname or "").lower()):
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return url


def media_fetch(url: str, *, credentials: Credentials) -> MediaContent:
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
