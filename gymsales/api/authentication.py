"""HTTP Basic with a user's email and password.

Checking a password costs Django's PBKDF2 (about a million rounds): far too much for every request of
an integrator's batch. A successful check is remembered for a few minutes under an HMAC of the
credentials, bound to the user's current password hash, so a changed password or a deactivated
user takes effect at once. Neither the password nor its hash is stored in the cache.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled

from gymsales.login_throttle import MESSAGE, cool_off_seconds, login_locked_out


def _key(email: str, password: str) -> str:
    material = f"{email.strip().lower()}\0{password}".encode()
    return "basic-auth:" + hmac.new(settings.SECRET_KEY.encode(), material, "sha256").hexdigest()


def _fingerprint(user) -> str:
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()


def _throttled() -> Throttled:
    return Throttled(wait=cool_off_seconds(), detail=MESSAGE)


class EmailBasicAuthentication(BasicAuthentication):
    """401 carries `WWW-Authenticate: Basic realm="GymSales API"`."""

    www_authenticate_realm = "GymSales API"

    def authenticate_credentials(self, userid, password, request=None):
        """Refused with 429 + Retry-After while this account is locked for this address
        (gymsales.login_throttle): no password is checked then."""
        if request is not None and login_locked_out(request, username=userid):
            raise _throttled()
        try:
            return self._authenticate_credentials(userid, password, request)
        except AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):  # this failure reached the limit
                raise _throttled() from None
            raise

    def _authenticate_credentials(self, userid, password, request=None):
        remember_for = settings.API_AUTH_CACHE_SECONDS
        if not remember_for:
            return super().authenticate_credentials(userid, password, request)
        key = _key(userid, password)
        remembered = cache.get(key)
        if remembered:
            user = (
                get_user_model()
                .objects.select_related("company")
                .filter(pk=remembered["id"], is_active=True)
                .first()
            )
            if user is not None and hmac.compare_digest(_fingerprint(user), remembered["fp"]):
                return (user, None)
        user, auth = super().authenticate_credentials(userid, password, request)
        cache.set(key, {"id": user.pk, "fp": _fingerprint(user)}, remember_for)
        return (user, auth)


class EmailBasicAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes EmailBasicAuthentication in the OpenAPI schema (Basic: email and password)."""

    target_class = EmailBasicAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "A user's email and password.",
        }
