"""Concurrent, non-blocking sends for campaign dispatch.

`TwilioAsyncSender` runs one asyncio event loop in a background thread with one aiohttp session
(keep-alive connections, at most `concurrency` requests in flight) POSTing to the same Messages
endpoint the `twilio` backend's official client uses (TWILIO_API_BASE redirects it). The
dispatcher's own thread stays synchronous (Django's ORM) and hands jobs over / takes outcomes back
through thread-safe queues. Other backends (console, locmem) send inline through the backend.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from dataclasses import dataclass

import aiohttp
from django.conf import settings

from whatsapp.providers import Credentials, OutboundMessage, get_backend
from whatsapp.providers.twilio import TRANSIENT_ERROR_CODES, TwilioBackend

TWILIO_API = "https://api.twilio.com"
# The official client's keyword names → the form fields Twilio's REST API takes.
FORM_NAMES = {
    "to": "To",
    "from_": "From",
    "messaging_service_sid": "MessagingServiceSid",
    "status_callback": "StatusCallback",
    "content_sid": "ContentSid",
    "content_variables": "ContentVariables",
    "body": "Body",
}


@dataclass(frozen=True)
class SendJob:
    recipient_id: int
    message_id: int
    lease: object  # the claim's lease_until: the write-back only lands on the same claim
    outbound: OutboundMessage


@dataclass(frozen=True)
class SendOutcome:
    """sid set: accepted. Else `error`; `transient` may be retried; `unknown` may have been accepted
    (timeout after sending): left to reconciliation, never re-sent blindly."""

    job: SendJob
    sid: str = ""
    error: str = ""
    code: str = ""
    transient: bool = False
    unknown: bool = False


def make_sender(*, credentials: Credentials, concurrency: int):
    backend = get_backend(credentials=credentials)
    if isinstance(backend, TwilioBackend):
        return TwilioAsyncSender(backend=backend, credentials=credentials, concurrency=concurrency)
    return InlineSender(backend=backend)


class InlineSender:
    """console / locmem: the backend's own send, at once (they answer in microseconds)."""

    def __init__(self, *, backend):
        self.backend = backend
        self.results: queue.SimpleQueue[SendOutcome] = queue.SimpleQueue()

    def submit(self, jobs: list[SendJob]) -> None:
        from whatsapp.providers import ProviderError

        for job in jobs:
            try:
                result = self.backend.send(job.outbound)
            except ProviderError as exc:
                self.results.put(
                    SendOutcome(job=job, error=str(exc), code=exc.code, transient=exc.transient)
                )
            else:
                self.results.put(SendOutcome(job=job, sid=result.sid))

    def after_stored(self, outcomes: list[SendOutcome]) -> None:
        from whatsapp.providers import SendResult

        for outcome in outcomes:
            if outcome.sid:
                self.backend.after_send(outcome.job.outbound, SendResult(sid=outcome.sid))

    def close(self) -> None:
        pass


class TwilioAsyncSender:
    def __init__(self, *, backend: TwilioBackend, credentials: Credentials, concurrency: int):
        self.backend = backend
        self.concurrency = concurrency
        base = (settings.TWILIO_API_BASE or TWILIO_API).rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Messages.json"
        self.headers = {
            "Authorization": aiohttp.encode_basic_auth(
                credentials.account_sid, credentials.auth_token
            )
        }
        self.results: queue.SimpleQueue[SendOutcome] = queue.SimpleQueue()
        self.loop = asyncio.new_event_loop()
        self.session: aiohttp.ClientSession | None = None
        ready = threading.Event()
        self.thread = threading.Thread(
            target=self._run, args=(ready,), name="campaign-sender", daemon=True
        )
        self.thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def open_session():
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.concurrency, keepalive_timeout=30, ttl_dns_cache=300
                ),
                timeout=aiohttp.ClientTimeout(total=15, connect=5),
                headers=self.headers,
            )

        self.loop.run_until_complete(open_session())
        ready.set()
        self.loop.run_forever()

    def form(self, outbound: OutboundMessage) -> dict:
        params = self.backend.message_params(outbound)
        return {FORM_NAMES[key]: value for key, value in params.items()}

    def submit(self, jobs: list[SendJob]) -> None:
        forms = [(job, self.form(job.outbound)) for job in jobs]
        self.loop.call_soon_threadsafe(self._start, forms)

    def _start(self, forms) -> None:
        for job, form in forms:
            self.loop.create_task(self._send(job, form))

    async def _send(self, job: SendJob, form: dict) -> None:
        try:
            async with self.session.post(self.url, data=form) as response:
                text = await response.text()
                status = response.status
        except aiohttp.ClientConnectorError as exc:  # never reached Twilio: safe to retry
            self.results.put(
                SendOutcome(job=job, error=f"Could not reach Twilio: {exc}", transient=True)
            )
            return
        except (TimeoutError, aiohttp.ClientError) as exc:  # sent, answer lost: reconcile
            self.results.put(
                SendOutcome(
                    job=job, error=f"No answer from Twilio: {type(exc).__name__}", unknown=True
                )
            )
            return
        try:
            payload = json.loads(text) if text else {}
        except ValueError:
            payload = {}
        if status in (200, 201) and payload.get("sid"):
            self.results.put(SendOutcome(job=job, sid=payload["sid"]))
            return
        code = str(payload.get("code") or "")
        transient = status >= 500 or status == 429 or code in TRANSIENT_ERROR_CODES
        message = payload.get("message") or f"Twilio answered HTTP {status}"
        self.results.put(SendOutcome(job=job, error=message, code=code, transient=transient))

    def after_stored(self, outcomes: list[SendOutcome]) -> None:
        pass

    def close(self) -> None:
        async def shutdown():
            if self.session is not None:
                await self.session.close()

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
