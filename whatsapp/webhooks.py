"""Twilio webhooks: check the signature, store the event once, answer 200 — fast (no DRF).

Stored with group commit (whatsapp.webhook_writer): the rows of concurrent requests share one
INSERT and one commit; each request answers 200 only once its row is committed (503 otherwise).
Processing happens in a worker (`whatsapp.tasks.webhook_events_drain_task`): the database row is
the queue, so nothing is lost if Redis or the workers are down; a beat entry sweeps leftovers.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from whatsapp.models import WebhookEvent
from whatsapp.providers.twilio import webhooks as twilio
from whatsapp.services.accounts import account_for
from whatsapp.services.queue import WEBHOOK_EVENTS_DRAIN, enqueue
from whatsapp.services.webhook_store import webhook_event_store
from whatsapp.webhook_writer import StoreFailed

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


def _form(request) -> dict:
    """The POSTed form as a dict (last value wins, like QueryDict.dict()), parsed directly for
    Twilio's urlencoded bodies (cheaper than building request.POST).
    """
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            return dict(
                parse_qsl(
                    request.body.decode(),
                    keep_blank_values=True,
                    max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
                )
            )
        except (UnicodeDecodeError, ValueError):
            return {}
    return request.POST.dict()


def _receive(request, kind: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    params = _form(request)
    signature = twilio.request_signature(request.META)
    if signature is None:
        return HttpResponseForbidden()
    account = account_for(twilio.signing_account(params))  # None unless `AC` + 32 hex and ours
    if account is None:
        return HttpResponseForbidden()
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    if not twilio.signature_valid(account.auth_token, url, params, signature):
        return HttpResponseForbidden()
    # Stored with the signing account: applying it acts only inside that account, whatever
    # company the sender or the message SID names.
    try:
        stored = webhook_event_store(kind=kind, params=params, company_id=account.company_id)
    except StoreFailed:  # not stored: Twilio retries on a non-2xx answer
        return HttpResponse(status=503)
    if stored:
        _kick_drain()
    return HttpResponse(status=200)


@csrf_exempt
def inbound(request):
    return _receive(request, WebhookEvent.Kind.INBOUND)


@csrf_exempt
def status(request):
    return _receive(request, WebhookEvent.Kind.STATUS)
