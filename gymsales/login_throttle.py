"""Log-in throttling (API.md Conventions) with django-axes on the shared cache (Redis): failed
log-ins are counted per account *and* address, so one attacker never locks out another user or
the same user elsewhere. Once an account is locked for an address, its log-ins from there are
refused before any password is checked (no PBKDF2 work), the API answering 429 with
Retry-After and the log-in page saying to try again later.
"""

from __future__ import annotations

import logging

from axes.handlers.cache import AxesCacheHandler
from django.conf import settings
from django.shortcuts import render
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
CACHE_DOWN = (RedisError, ConnectionError, OSError)

MESSAGE = "Too many failed log-ins for this account from your address. Try again later."


def cool_off_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def login_username(request, credentials: dict | None) -> str:
    """The account a log-in is for, whatever the form calls it (Basic auth: `email`; the page:
    `username`), case-folded as log-ins are."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("username", "")
    return str(value).strip().lower()


def client_ip(request) -> str:
    """REMOTE_ADDR; behind a proxy we trust (TRUST_X_FORWARDED), the address it saw: the last
    entry of X-Forwarded-For, the one a client cannot forge."""
    if settings.TRUST_X_FORWARDED:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        if forwarded and forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def login_locked_out(request, *, username: str) -> bool:
    """True when this account may not log in from this address now (nothing is counted)."""
    from axes.handlers.proxy import AxesProxyHandler

    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, {"email": username})


class ThrottleCacheHandler(AxesCacheHandler):
    """Axes' cache handler, failing open when the cache (Redis) is down: log-ins keep working,
    unthrottled, rather than every one answering 500."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        try:
            return super().get_failures(request, credentials)
        except CACHE_DOWN as exc:
            logger.warning("log-in throttling skipped, the cache is down: %s", exc)
            return 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        except CACHE_DOWN as exc:
            logger.warning("failed log-in not counted, the cache is down: %s", exc)
            return None

    def user_logged_in(self, sender, request, user, **kwargs):
        try:
            return super().user_logged_in(sender, request, user, **kwargs)
        except CACHE_DOWN as exc:
            logger.warning("log-in throttling not reset, the cache is down: %s", exc)
            return None


def lockout_page(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the log-in page (or the admin's), 429, saying to try again later."""
    from gymsales.forms import EmailAuthenticationForm

    form = EmailAuthenticationForm(
        request, initial={"username": login_username(request, credentials)}
    )
    response = render(
        request,
        "registration/login.html",
        {"form": form, "throttled": MESSAGE, "next": request.POST.get("next", "")},
        status=429,
    )
    response["Retry-After"] = str(cool_off_seconds())
    return response
