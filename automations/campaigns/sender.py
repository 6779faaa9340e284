"""Concurrent, non-blocking sends for campaign dispatch.

`TwilioAsyncSender` runs one asyncio event loop in a background thread with one aiohttp session
(keep-alive connections) and `concurrency` long-lived send loops (at most that many requests in
flight), POSTing to the same Messages endpoint the `twilio` backend's official client uses
(TWILIO_API_BASE redirects it). The dispatcher's own thread stays synchronous (Django's ORM); the
two hand each other whole batches: `submit(jobs)` is one call into the loop per claim, and the
loop puts the outcomes finished in one turn of the loop on `results` as one list. Other backends
(console, locmem) send inline through the backend.

The request itself is built cheaply: the form fields every message of the campaign shares are
encoded once (`MessageShape`), per message only the number and its variables.
"""

from __future__ import annotations

import asyncio
import collections
import json
import queue
import threading
from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

import aiohttp
from django.conf import settings
from yarl import URL

from whatsapp.providers import Credentials, OutboundMessage, get_backend
from whatsapp.providers.twilio import TRANSIENT_ERROR_CODES, TwilioBackend

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class MessageShape:
    """What every message of one campaign shares: the Content template (or none: `content` is
    the body text) and the status callback URL."""

    content_sid: str
    status_callback: str


@dataclass(slots=True)
class SendJob:
    recipient_id: int
    message_id: int
    lease: object  # the claim's lease_until: the write-back only lands on the same claim
    to: str  # E.164
    content: str  # the variables as JSON (with a Content template), else the body text


@dataclass(slots=True)
class SendOutcome:
    """sid set: accepted. Else `error`; `transient` may be retried; `unknown` may have been accepted
    (timeout after sending): left to reconciliation, never re-sent blindly."""

    job: SendJob
    sid: str = ""
    error: str = ""
    code: str = ""
    transient: bool = False
    unknown: bool = False


def make_sender(*, credentials: Credentials, concurrency: int, shape: MessageShape):
    backend = get_backend(credentials=credentials)
    if isinstance(backend, TwilioBackend):
        return TwilioAsyncSender(credentials=credentials, concurrency=concurrency, shape=shape)
    return InlineSender(backend=backend, shape=shape)


def outbound_of(job: SendJob, shape: MessageShape) -> OutboundMessage:
    return OutboundMessage(
        message_id=job.message_id,
        to=job.to,
        body="" if shape.content_sid else job.content,
        content_sid=shape.content_sid,
        content_variables=json.loads(job.content) if shape.content_sid else {},
        status_callback=shape.status_callback,
    )


class InlineSender:
    """console / locmem: the backend's own send, at once (they answer in microseconds)."""

    def __init__(self, *, backend, shape: MessageShape):
        self.backend = backend
        self.shape = shape
        self.results: queue.SimpleQueue[list[SendOutcome]] = queue.SimpleQueue()

    def submit(self, jobs: list[SendJob], *, delay: float = 0.0) -> None:
        from whatsapp.providers import ProviderError

        outcomes = []
        for job in jobs:
            try:
                result = self.backend.send(outbound_of(job, self.shape))
            except ProviderError as exc:
                outcomes.append(
                    SendOutcome(job=job, error=str(exc), code=exc.code, transient=exc.transient)
                )
            else:
                outcomes.append(SendOutcome(job=job, sid=result.sid))
        self.results.put(outcomes)

    def after_stored(self, outcomes: list[SendOutcome]) -> None:
        from whatsapp.providers import SendResult

        for outcome in outcomes:
            if outcome.sid:
                self.backend.after_send(
                    outbound_of(outcome.job, self.shape), SendResult(sid=outcome.sid)
                )

    def close(self) -> None:
        pass


class TwilioMessagesForm:
    """Twilio's Messages create as form bytes: the fields one campaign's messages share are
    encoded once, per message only To and the variables (or body)."""

    def __init__(self, *, credentials: Credentials, shape: MessageShape):
        shared: dict[str, str] = {}
        if credentials.messaging_service_sid:
            shared["MessagingServiceSid"] = credentials.messaging_service_sid
        else:
            shared["From"] = f"whatsapp:{credentials.sender_number}"
        if shape.status_callback:
            shared["StatusCallback"] = shape.status_callback
        if shape.content_sid:
            shared["ContentSid"] = shape.content_sid
        self._to = urlencode(shared) + "&To=" + quote_plus("whatsapp:")
        self._content = "&ContentVariables=" if shape.content_sid else "&Body="

    def encode(self, job: SendJob) -> bytes:
        return (self._to + quote_plus(job.to) + self._content + quote_plus(job.content)).encode()


def outcome_of(job: SendJob, status: int, raw: bytes) -> SendOutcome:
    """Twilio's answer to one create: the SID, or the refusal's code and message."""
    try:
        payload = json.loads(raw) if raw else {}
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if status in (200, 201) and payload.get("sid"):
        return SendOutcome(job=job, sid=payload["sid"])
    code = str(payload.get("code") or "")
    transient = status >= 500 or status == 429 or code in TRANSIENT_ERROR_CODES
    message = payload.get("message") or f"Twilio answered HTTP {status}"
    return SendOutcome(job=job, error=message, code=code, transient=transient)


class TwilioAsyncSender:
    def __init__(self, *, credentials: Credentials, concurrency: int, shape: MessageShape):
        self.concurrency = concurrency
        base = (settings.TWILIO_API_BASE or TWILIO_API).rstrip("/")
        self.url = URL(f"{base}/2010-04-01/Accounts/{credentials.account_sid}/Messages.json")
        self.form = TwilioMessagesForm(credentials=credentials, shape=shape)
        self.headers = {
            "Authorization": aiohttp.encode_basic_auth(
                credentials.account_sid, credentials.auth_token
            ),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        self.results: queue.SimpleQueue[list[SendOutcome]] = queue.SimpleQueue()
        self._todo: collections.deque[SendJob] = collections.deque()
        self._idle: list[asyncio.Future] = []
        self._done: list[SendOutcome] = []
        self._loops: list[asyncio.Task] = []
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
            self._loops = [self.loop.create_task(self._sending()) for _ in range(self.concurrency)]

        self.loop.run_until_complete(open_session())
        ready.set()
        self.loop.run_forever()

    # --- the dispatcher's thread ----------------------------------------------------------------
    def submit(self, jobs: list[SendJob], *, delay: float = 0.0) -> None:
        if delay:
            self.loop.call_soon_threadsafe(self.loop.call_later, delay, self._feed, jobs)
        else:
            self.loop.call_soon_threadsafe(self._feed, jobs)

    def after_stored(self, outcomes: list[SendOutcome]) -> None:
        pass

    def close(self) -> None:
        async def shutdown():
            for task in self._loops:
                task.cancel()
            await asyncio.gather(*self._loops, return_exceptions=True)
            if self.session is not None:
                await self.session.close()

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    # --- the event loop's thread ----------------------------------------------------------------
    def _feed(self, jobs: list[SendJob]) -> None:
        self._todo.extend(jobs)
        idle = self._idle
        for _ in range(min(len(jobs), len(idle))):
            waiter = idle.pop()
            if not waiter.done():
                waiter.set_result(None)

    def _finished(self, outcome: SendOutcome) -> None:
        if not self._done:  # the first outcome of this turn: hand them over after it
            self.loop.call_soon(self._hand_over)
        self._done.append(outcome)

    def _hand_over(self) -> None:
        done, self._done = self._done, []
        self.results.put(done)

    async def _sending(self) -> None:
        """One of `concurrency` send loops: take the next job, POST it, record the outcome."""
        todo, loop = self._todo, self.loop
        while True:
            if not todo:
                waiter = loop.create_future()
                self._idle.append(waiter)
                await waiter
                continue
            job = todo.popleft()
            self._finished(await self._send(job))

    async def _send(self, job: SendJob) -> SendOutcome:
        try:
            async with self.session.post(self.url, data=self.form.encode(job)) as response:
                raw = await response.read()
                status = response.status
        except aiohttp.ClientConnectorError as exc:  # never reached Twilio: safe to retry
            return SendOutcome(job=job, error=f"Could not reach Twilio: {exc}", transient=True)
        except (TimeoutError, aiohttp.ClientError) as exc:  # sent, answer lost: reconcile
            return SendOutcome(
                job=job, error=f"No answer from Twilio: {type(exc).__name__}", unknown=True
            )
        return outcome_of(job, status, raw)
