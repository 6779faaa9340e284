"""Concurrent, non-blocking sends for campaign dispatch.

`AsyncSender` (the `twilio` backend) runs one asyncio event loop in a background thread with one
aiohttp session (keep-alive connections) and `concurrency` long-lived send loops (at most that
many requests in flight), each creating messages through the Twilio adapter's asynchronous client
(whatsapp.providers.twilio.async_client: the request's form, built once per campaign, and the
answer's SID or error). The dispatcher's own thread stays synchronous (Django's ORM); the two hand
each other whole batches: `submit(jobs)` is one call into the loop per claim, and the loop puts
the outcomes finished in one turn of the loop on `results` as one list. Other backends (console,
locmem) send inline through the backend.
"""

from __future__ import annotations

import asyncio
import collections
import json
import queue
import threading
from dataclasses import dataclass

import aiohttp

from whatsapp.providers import Credentials, OutboundMessage, ProviderError, get_backend
from whatsapp.providers.twilio import TwilioBackend
from whatsapp.providers.twilio.async_client import AsyncMessagesClient


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
        return AsyncSender(credentials=credentials, concurrency=concurrency, shape=shape)
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


class AsyncSender:
    def __init__(self, *, credentials: Credentials, concurrency: int, shape: MessageShape):
        self.concurrency = concurrency
        self.client = AsyncMessagesClient(credentials=credentials)
        self.form = self.client.form(
            content_sid=shape.content_sid, status_callback=shape.status_callback
        )
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
            self.session = self.client.session(concurrency=self.concurrency)
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
        form = self.form.encode(to=job.to, content=job.content)
        try:
            return SendOutcome(job=job, sid=await self.client.create(self.session, form))
        except ProviderError as exc:
            return SendOutcome(
                job=job,
                error=str(exc),
                code=exc.code,
                transient=exc.transient,
                unknown=exc.unknown_outcome,
            )
