"""The production WSGI application sends Twilio's webhooks straight to their views."""

import io
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from twilio.request_validator import RequestValidator

from gymsales.wsgi import application
from tests.whatsapp.conftest import webhook_path
from whatsapp.models import WebhookEvent


def _call(path: str, body: bytes = b"", headers: dict | None = None, method: str = "POST"):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **(headers or {}),
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(response_headers)

    # As Django's test client does: keep the test's own database connection (and its transaction)
    # open across the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body_out = b"".join(response)
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body_out


def _post_status(params: dict, signature: str, **headers):
    return _call(
        webhook_path("status"),
        urlencode(params).encode(),
        {"HTTP_X_TWILIO_SIGNATURE": signature, **headers},
    )


@pytest.fixture
def signed_status(company):
    from whatsapp.models import WhatsAppSettings

    token = "direct-path-token"
    WhatsAppSettings.objects.filter(company=company).update(
        enabled=True, twilio_account_sid="AC" + "e" * 32, twilio_auth_token=token
    )
    from whatsapp.services.accounts import accounts_changed

    accounts_changed()
    params = {
        "AccountSid": "AC" + "e" * 32,
        "MessageSid": "SM" + "f" * 32,
        "MessageStatus": "delivered",
    }
    url = settings.PUBLIC_BASE_URL + webhook_path("status")
    return params, RequestValidator(token).compute_signature(url, params)


def test_signed_status_callback_is_stored_without_the_middleware_stack(db, signed_status):
    status, headers, body = _post_status(*signed_status)

    assert (status, body) == (200, b"")
    assert "Set-Cookie" not in headers
    assert WebhookEvent.objects.filter(kind="status").count() == 1


def test_unsigned_callback_on_the_direct_path_is_403_and_stores_nothing(db, signed_status):
    params, _ = signed_status

    status, _, _ = _call(webhook_path("status"), urlencode(params).encode())

    assert status == 403
    assert WebhookEvent.objects.count() == 0


def test_get_on_the_direct_path_is_405(db):
    status, headers, _ = _call(webhook_path("inbound"), method="GET")

    assert status == 405
    assert headers["Allow"] == "POST"


def test_other_paths_still_go_through_django(db):
    status, headers, _ = _call("/accounts/login/", method="GET")

    assert status == 200
    assert headers["X-Frame-Options"] == "DENY"  # set by the middleware


def test_a_flood_of_form_fields_is_refused_without_storing(db, signed_status):
    params, signature = signed_status
    flood = urlencode(params) + "&" + "&".join(f"f{n}=x" for n in range(5000))

    status, _, _ = _call(
        webhook_path("status"), flood.encode(), {"HTTP_X_TWILIO_SIGNATURE": signature}
    )

    assert status == 403
    assert WebhookEvent.objects.count() == 0


def test_the_short_path_answers_503_when_the_store_fails(
    transactional_db, signed_status, monkeypatch
):
    """Not stored, not acknowledged: Twilio retries a non-2xx answer."""
    from django.db import OperationalError

    from whatsapp.services import webhook_store

    def broken(rows):
        raise OperationalError("database is down")

    monkeypatch.setattr(webhook_store, "webhook_events_store_many", broken)
    status, _, body = _post_status(*signed_status)
    assert (status, body) == (503, b"")
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"CONTENT_TYPE": "application/json"},
        {"CONTENT_LENGTH": "not a number"},
        {"CONTENT_LENGTH": str(10**9)},
    ],
)
def test_the_short_path_refuses_what_twilio_never_sends(db, signed_status, headers):
    status, _, _ = _post_status(*signed_status, **headers)
    assert status == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "a=1&b=2",
        "From=whatsapp%3A%2B14155550100&Body=Hi+there%21+%2B1",
        "a=&b&=c&&d=1&d=2",
        "Body=caf%C3%A9+%E2%82%AC&x=%ZZ",
        "Body=%2B+%20+",
    ],
)
def test_form_params_reads_a_body_as_parse_qsl_does(body):
    from urllib.parse import parse_qsl

    from whatsapp.webhooks import form_params

    assert form_params(body.encode()) == dict(parse_qsl(body, keep_blank_values=True))


def test_the_short_path_checks_the_signature_over_the_query_string_too(db, signed_status):
    """Twilio signs the URL as configured, query included."""
    params, _ = signed_status
    url = settings.PUBLIC_BASE_URL + "/webhooks/twilio/whatsapp/status?source=campaign"
    signature = RequestValidator("direct-path-token").compute_signature(url, params)
    status, _, _ = _post_status(params, signature, QUERY_STRING="source=campaign")
    assert status == 200
    assert WebhookEvent.objects.count() == 1
