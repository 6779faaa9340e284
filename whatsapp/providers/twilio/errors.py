"""Twilio's errors as our ProviderError: one classifier for every Twilio call (Messages, the
Messages list, the Content API, the campaigns' asynchronous Messages POST)."""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioRestException
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from whatsapp.providers import ProviderError

# Twilio error codes worth retrying: 63010 (WhatsApp's internal error), 20429 (too many requests).
TRANSIENT_ERROR_CODES = {"63010", "20429"}


def is_transient(*, status: int | None, code: str) -> bool:
    """Retry a 5xx, a 429 or a transient error code; never another refusal."""
    return (status or 0) >= 500 or status == 429 or str(code or "") in TRANSIENT_ERROR_CODES


def provider_error(
    *, status: int | None, code, message: str = "", default: str = "Twilio refused the request"
) -> ProviderError:
    """Twilio answered with an error (HTTP `status`, Twilio's error `code` and `message`)."""
    code = str(code or "")
    return ProviderError(
        message or default,
        code=code,
        status=status,
        transient=is_transient(status=status, code=code),
    )


def unreachable(reason: str) -> ProviderError:
    """The request provably never reached Twilio: safe to send again."""
    return ProviderError(f"Could not reach Twilio: {reason}", transient=True)


def answer_lost(reason: str) -> ProviderError:
    """The request went out but no answer came: Twilio may have accepted the message, so it is
    looked up (reconciled) instead of sent again."""
    return ProviderError(
        f"No answer from Twilio ({reason}); the message is looked up before it is sent again.",
        code="unknown",
        transient=False,
        unknown_outcome=True,
    )


def classify_rest_error(
    exc: TwilioRestException, *, default: str = "Twilio refused the message"
) -> ProviderError:
    """The official client's TwilioRestException as a ProviderError."""
    return provider_error(status=exc.status, code=exc.code, message=exc.msg, default=default)


def never_reached_twilio(exc: requests.exceptions.RequestException) -> bool:
    """True only when the request provably never reached Twilio: the connection could not be
    opened (refused, DNS, connect timeout). A reset or a read timeout after the request was
    written is not one of them: Twilio may have accepted the message.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or not exc.args:
        return False
    cause = exc.args[0]
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return isinstance(cause, NewConnectionError | ConnectTimeoutError)
