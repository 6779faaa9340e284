"""Twilio webhooks: check the signature, store the event once, answer 200 — fast (no DRF).

Stored with group commit (whatsapp.webhook_writer): the rows of concurrent requests share one
INSERT and one commit; each request answers 200 only once its row is committed (503 otherwise).
Processing happens in a worker (`whatsapp.tasks.webhook_events_drain_task`): the database row is
the queue, so nothing is lost if Redis or the workers are down; a beat entry sweeps leftovers.
"""

from __future__ import annotations

import time
from urllib.parse import unquote_plus

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from whatsapp.models import WebhookEvent
from whatsapp.providers.twilio import webhooks as twilio
from whatsapp.services.accounts import account_for
from whatsapp.services.queue import WEBHOOK_EVENTS_DRAIN, enqueue
from whatsapp.services.webhook_store import webhook_event_store
from whatsapp.webhook_writer import StoreFailed

FORM = "application/x-www-form-urlencoded"
KICK_INTERVAL_SECONDS = 0.25
_last_kick = 0.0


def _kick_drain() -> None:
    """Ask a worker to apply events now, at most every KICK_INTERVAL per web process."""
    global _last_kick
    now = time.monotonic()
    if now - _last_kick < KICK_INTERVAL_SECONDS:
        return
    _last_kick = now
    try:
        enqueue(WEBHOOK_EVENTS_DRAIN)
    except Exception:  # Redis down: the event is stored; the beat sweep applies it later
        _last_kick = now


def form_params(body: bytes) -> dict:
    """An urlencoded body as a dict (last value wins, like QueryDict.dict()); {} when it is not
    UTF-8 or has more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields (then no signature matches).
    What parse_qsl(keep_blank_values=True) returns, for a fraction of its cost: only the pairs
    that are escaped go through unquote_plus."""
    if body.count(b"&") >= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
        return {}
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return {}
    params = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:
            name, value = unquote_plus(name), unquote_plus(value)
        params[name] = value
    return params


def _form(request) -> dict:
    """The POSTed form: Twilio's urlencoded body parsed directly (cheaper than request.POST)."""
    if request.content_type == FORM:
        return form_params(request.body)
    return request.POST.dict()


def receive(*, kind: str, params: dict, meta, full_path: str) -> int:
    """A webhook's answer (200, 403 or 503) once its signature is checked and, if good, the
    event stored durably. Shared by the Django views and the WSGI short path (`wsgi_receive`)."""
    signature = twilio.request_signature(meta)
    if signature is None:
        return 403
    try:
        account = account_for(twilio.signing_account(params))  # None unless `AC` + 32 hex, ours
    except DatabaseError:  # can't tell whose it is now: Twilio retries on a non-2xx answer
        return 503
    if account is None:
        return 403
    url = settings.PUBLIC_BASE_URL + full_path
    if not twilio.signature_valid(account.auth_token, url, params, signature):
        return 403
    # Stored with the signing account: applying it acts only inside that account, whatever
    # company the sender or the message SID names.
    try:
        stored = webhook_event_store(kind=kind, params=params, company_id=account.company_id)
    except StoreFailed:  # not stored: Twilio retries on a non-2xx answer
        return 503
    if stored:
        _kick_drain()
    return 200


def _receive(request, kind: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    status = receive(
        kind=kind, params=_form(request), meta=request.META, full_path=request.get_full_path()
    )
    return HttpResponse(status=status)


_STATUS_LINES = {200: "200 OK", 400: "400 Bad Request", 403: "403 Forbidden"}
_STATUS_LINES[503] = "503 Service Unavailable"


# The exact paths gymsales/wsgi.py hands to `wsgi_receive`, and the kind of event each stores.
DIRECT_PATHS = {
    "/webhooks/twilio/whatsapp/inbound": WebhookEvent.Kind.INBOUND,
    "/webhooks/twilio/whatsapp/status": WebhookEvent.Kind.STATUS,
}


class _Empty(tuple):
    """An empty WSGI body (with the optional close())."""

    def close(self) -> None:
        pass


EMPTY = _Empty((b"",))


def wsgi_receive(environ, start_response, kind: str):
    """The production short path (gymsales/wsgi.py): a Twilio webhook straight from the WSGI
    environ to `receive`, with no Django request or response objects, signals or middleware —
    they cost more than the whole check-and-store here. Only urlencoded POSTs come this way
    (what Twilio sends); anything else is answered as the view would (405), or refused (400)."""
    if environ.get("REQUEST_METHOD") != "POST":
        start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Length", "0")])
        return EMPTY
    content_type = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if content_type != FORM or not 0 <= length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        start_response(_STATUS_LINES[400], [("Content-Length", "0")])
        return EMPTY
    body = environ["wsgi.input"].read(length) if length else b""
    query = environ.get("QUERY_STRING", "")
    full_path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
    try:
        status = receive(kind=kind, params=form_params(body), meta=environ, full_path=full_path)
    finally:
        # Only the account lookup on a cache miss (rare: once a minute per process) opens a
        # database connection here: closed at once, so the server's many threads hold none.
        db = connections["default"]
        if db.connection is not None and not db.in_atomic_block:
            db.close()
    start_response(_STATUS_LINES[status], [("Content-Length", "0")])
    return EMPTY


@csrf_exempt
def inbound(request):
    return _receive(request, WebhookEvent.Kind.INBOUND)


@csrf_exempt
def status(request):
    return _receive(request, WebhookEvent.Kind.STATUS)
