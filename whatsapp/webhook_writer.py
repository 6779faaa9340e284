"""Group commit for webhook events: one writer thread per web process stores the events of all
concurrent requests in one multi-row INSERT … ON CONFLICT DO NOTHING — one commit (one fsync) for
many callbacks. Each request thread waits until the statement holding its row has committed
before it answers 200; if that fails or takes longer than STORE_TIMEOUT_SECONDS it answers 503
and Twilio retries (a retry of a row that did commit late is a duplicate, ignored).

Batches form while one INSERT commits (the next requests queue up) and, under load, during a short
gathering window: a commit of this size costs PostgreSQL about the same whatever its row count, and
commits are quick here, so without it a batch was ~3 rows. The window (GATHER_SECONDS) opens only
when the writer was busy a moment ago: an idle writer takes a lone row at once (no added latency).
`synchronous_commit` stays on: durable on 200.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

STORE_TIMEOUT_SECONDS = 5.0
MAX_BATCH = 500
IDLE_CLOSE_SECONDS = 5.0  # the writer drops its DB connection when idle this long
GATHER_SECONDS = 0.004  # under load, how long a batch waits for more rows before its INSERT
BUSY_SECONDS = 0.05  # "under load": the previous batch was written this recently


class StoreFailed(Exception):
    """The event was not stored (database error or timeout): answer non-2xx so Twilio retries."""


@dataclass
class Pending:
    row: tuple  # (event_id, kind, company_id, payload_json)
    done: threading.Event = field(default_factory=threading.Event)
    inserted: bool = False  # False: an earlier delivery already stored this event
    error: Exception | None = None


class GroupWriter:
    def __init__(self, store_many):
        """`store_many(rows) -> set of inserted event_ids`, one atomic statement, committed."""
        self.store_many = store_many
        self.queue: queue.Queue[Pending | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="webhook-writer", daemon=True)
        self.thread.start()

    def submit(self, row: tuple, *, timeout: float | None = None) -> bool:
        """Store one row durably; True if inserted, False if a duplicate. Raises StoreFailed."""
        pending = Pending(row)
        self.queue.put(pending)
        if not pending.done.wait(STORE_TIMEOUT_SECONDS if timeout is None else timeout):
            raise StoreFailed("webhook store timed out")
        if pending.error is not None:
            raise StoreFailed(str(pending.error)) from pending.error
        return pending.inserted

    def stop(self) -> None:
        self.queue.put(None)
        self.thread.join(timeout=10)

    def _run(self) -> None:
        written_at = 0.0
        while True:
            try:
                first = self.queue.get(timeout=IDLE_CLOSE_SECONDS)
            except queue.Empty:
                connection.close()
                continue
            if first is None:
                break
            busy = time.monotonic() - written_at < BUSY_SECONDS
            batch, stopping = self._gather(first, GATHER_SECONDS if busy else 0.0)
            self._write(batch)
            written_at = time.monotonic()
            if stopping:
                break
        connection.close()

    def _gather(self, first: Pending, window: float) -> tuple[list[Pending], bool]:
        """The batch that starts with `first`: what is queued now, and what comes within
        `window` seconds, up to MAX_BATCH rows. Also whether a stop was asked for."""
        batch = [first]
        deadline = time.monotonic() + window
        while len(batch) < MAX_BATCH:
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self.queue.get(timeout=remaining) if remaining > 0 else self.queue.get_nowait()
                )
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, batch: list[Pending]) -> None:
        try:
            inserted = self._store(batch)
        except DatabaseError as exc:
            if len(batch) == 1:
                self._fail(batch, exc)
                return
            # One bad row must not fail its neighbours: each on its own (error path only).
            for pending in batch:
                self._write([pending])
            return
        except Exception as exc:  # never leave a request waiting for nothing
            self._fail(batch, exc)
            return
        for pending in batch:
            pending.inserted = pending.row[0] in inserted
            inserted.discard(pending.row[0])  # a repeat inside the batch counts as a duplicate
            pending.done.set()

    def _store(self, batch: list[Pending]) -> set[str]:
        try:
            return set(self.store_many([pending.row for pending in batch]))
        except DatabaseError:
            if connection.connection is not None and not connection.is_usable():
                connection.close()
            raise

    @staticmethod
    def _fail(batch: list[Pending], exc: Exception) -> None:
        logger.warning("webhook store failed for %s event(s): %s", len(batch), exc)
        for pending in batch:
            pending.error = exc
            pending.done.set()
