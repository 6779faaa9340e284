"""A stateful local stand-in for Twilio's Messages API (aiohttp), for the campaign worker tests and
benchmarks: it answers creates after `delay` seconds, keeps every message it accepted (so a test
can check that each person got exactly one), lists them (the reconciliation's lookup) and can be
told to refuse some numbers.

    standin = TwilioStandIn(delay=0.05).start()   # a thread, a free port
    settings.TWILIO_API_BASE = standin.base_url

As a process (benchmarks): `python -m tests.campaigns.standin PORT [DELAY_MS]`; GET /stats gives
{created, unique_to, duplicates} and GET /arrival?to=whatsapp:+1… the time (epoch seconds) the
first message to that number arrived.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime

from aiohttp import web


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TwilioStandIn:
    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.messages: list[dict] = []
        self.arrivals: dict[str, float] = {}
        self.refuse: dict[str, tuple[int, str]] = {}  # "whatsapp:+1…" → (HTTP status, code)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    # --- what tests read -------------------------------------------------------------------
    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def per_recipient(self) -> Counter:
        with self._lock:
            return Counter(m["to"] for m in self.messages)

    # --- the server --------------------------------------------------------------------------
    async def _create(self, request: web.Request) -> web.Response:
        form = await request.post()
        if self.delay:
            await asyncio.sleep(self.delay)
        to = form.get("To", "")
        if to in self.refuse:
            status, code = self.refuse[to]
            return web.json_response(
                {"code": int(code), "message": f"refused ({code})", "status": status},
                status=status,
            )
        now = datetime.now(UTC)
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": request.match_info["account"],
            "to": to,
            "from": form.get("From") or form.get("MessagingServiceSid", ""),
            "body": form.get("Body", ""),
            "content_sid": form.get("ContentSid", ""),
            "content_variables": form.get("ContentVariables", ""),
            "status": "queued",
            "date_created": format_datetime(now),
            "date_sent": None,
            "direction": "outbound-api",
            "api_version": "2010-04-01",
        }
        arrived = time.time()
        with self._lock:
            self.arrivals.setdefault(to, arrived)
            self.messages.append(message)
        return web.Response(status=201, text=json.dumps(message), content_type="application/json")

    async def _list(self, request: web.Request) -> web.Response:
        to = request.query.get("To")
        with self._lock:
            found = [m for m in self.messages if to is None or m["to"] == to]
        return web.json_response(
            {
                "messages": list(reversed(found))[:50],
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
            }
        )

    async def _stats(self, request: web.Request) -> web.Response:
        with self._lock:
            created = len(self.messages)
            unique = len(self.arrivals)
        return web.json_response(
            {"created": created, "unique_to": unique, "duplicates": created - unique}
        )

    async def _arrival(self, request: web.Request) -> web.Response:
        with self._lock:
            return web.json_response({"arrived": self.arrivals.get(request.query.get("to", ""))})

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{account}/Messages.json", self._list)
        app.router.add_get("/stats", self._stats)
        app.router.add_get("/arrival", self._arrival)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=1024)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> TwilioStandIn:
        self._thread = threading.Thread(target=self._serve, name="twilio-standin", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


if __name__ == "__main__":
    server = TwilioStandIn(delay=int(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.05)
    server.port = int(sys.argv[1])
    server.base_url = f"http://127.0.0.1:{server.port}"
    server._serve()
