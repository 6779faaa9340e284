"""The official twilio client, optionally redirected to a local Twilio twin (TWILIO_API_BASE)."""

from __future__ import annotations

import re

from django.conf import settings
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]+\.twilio\.com")


class RedirectingHttpClient(TwilioHttpClient):
    """Sends `https://<sub>.twilio.com/<path>` to `<base>/<path>` (tests, benchmarks)."""

    def __init__(self, *, base: str, **kwargs):
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        return super().request(method, TWILIO_HOST.sub(self.base, url), *args, **kwargs)


def make_client(*, account_sid: str, auth_token: str, timeout: float = 10.0) -> Client:
    base = settings.TWILIO_API_BASE
    http_client = (
        RedirectingHttpClient(base=base, timeout=timeout)
        if base
        else TwilioHttpClient(timeout=timeout)
    )
    return Client(account_sid, auth_token, http_client=http_client)
