"""Benchmark: campaign counts keep up with Twilio's status callbacks. Prints its figures and the
command.

    .venv/bin/python bench/campaign_callbacks.py [--recipients 10000] [--concurrency 64]

On its own `<database>_bench` database: a campaign of RECIPIENTS people is dispatched in-process
(locmem backend: every recipient gets a Message with a SID), then a local poster plays Twilio:
signed `sent`, `delivered` and `read` callbacks for every message (3 × RECIPIENTS) POSTed to our
real webhook endpoint (the production server, `python -m gymsales.serve`) while one Celery worker applies
them. Figures: callbacks applied per second (first POST → every recipient `read`), and how long
the campaign's counts took to settle after the last callback was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

ACCOUNT_SID = "AC" + "8" * 32
AUTH_TOKEN = "bench-callbacks-token"
SENDER = "+14155556666"
STATUS_PATH = "/webhooks/twilio/whatsapp/status"
COMPANY = "Bench Callbacks"


def signed_bodies(public_url: str, sids: list[str]) -> list[tuple[bytes, str]]:
    """Twilio's sent, delivered and read callbacks for every SID (in that order per round), as
    urlencoded bodies with their X-Twilio-Signature: computed BEFORE the timed window, so the
    load generator only sends bytes."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    bodies = []
    for status in ("sent", "delivered", "read"):
        for sid in sids:
            params = {
                "AccountSid": ACCOUNT_SID,
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": status,
                "SmsStatus": status,
                "From": f"whatsapp:{SENDER}",
                "ApiVersion": "2010-04-01",
                "ChannelPrefix": "whatsapp",
            }
            signature = validator.compute_signature(public_url, params)
            bodies.append((urlencode(params).encode(), signature))
    return bodies


def raw_requests(host: str, path: str, bodies: list[tuple[bytes, str]]) -> list[bytes]:
    """Each callback as the exact bytes of its HTTP/1.1 request (built before the window)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
    ).encode()
    return [
        head
        + f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
        for body, signature in bodies
    ]


class _Poster(asyncio.Protocol):
    """One keep-alive connection playing Twilio: sends a request, reads the answer (status line,
    headers, Content-Length body), sends the next; a thin client so the load generator's CPU stays
    small next to the server's (aiohttp's client cost ~270 us a request here)."""

    def __init__(self, requests, statuses: dict, done: asyncio.Future):
        self.requests, self.statuses, self.done = requests, statuses, done
        self.buffer = b""

    def connection_made(self, transport):
        self.transport = transport
        self._next()

    def _next(self):
        request = next(self.requests, None)
        if request is None:
            self.transport.close()
            if not self.done.done():
                self.done.set_result(None)
            return
        self.transport.write(request)

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = 0
            chunked = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
            if chunked:  # our answers are empty: wait for the last chunk
                last = self.buffer.find(b"0\r\n\r\n", end + 4)
                if last < 0:
                    return
                length = last + 5 - (end + 4)
            if len(self.buffer) < end + 4 + length:
                return
            status = int(head[9:12])
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.buffer = self.buffer[end + 4 + length :]
            self._next()

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(exc)


def post_all(port: int, requests: list[bytes], concurrency: int) -> tuple[float, dict]:
    """Send every request over `concurrency` keep-alive connections; (seconds, {status: n})."""

    async def run():
        loop = asyncio.get_running_loop()
        shared = iter(requests)
        statuses: dict[int, int] = {}
        futures = []
        started = time.perf_counter()
        for _ in range(concurrency):
            done = loop.create_future()
            await loop.create_connection(
                lambda done=done: _Poster(shared, statuses, done), "127.0.0.1", port
            )
            futures.append(done)
        await asyncio.gather(*futures)
        return time.perf_counter() - started, statuses

    return asyncio.run(run())


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _session_pids(proc) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "-s", str(proc.pid)], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in out.split()]


def _database_pids(env: dict) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class CpuMeter:
    """CPU seconds used by each part during the timed window (from /proc): the web server's
    processes, the worker's, PostgreSQL's backends of this database, and this process."""

    def __init__(self, parts: dict, env: dict):
        self.parts, self.env = parts, env
        self.hz = os.sysconf("SC_CLK_TCK")

    def snapshot(self) -> dict:
        from django.db import connection

        with connection.cursor() as cursor:  # how many transactions the window committed
            cursor.execute(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            )
            commits = cursor.fetchone()[0]
        pids = {name: _session_pids(proc) for name, proc in self.parts.items()}
        pids["postgres"] = _database_pids(self.env)
        ticks = {name: {pid: _cpu_ticks(pid) for pid in group} for name, group in pids.items()}
        ticks["generator"] = {0: int(time.process_time() * self.hz)}
        ticks["commits"] = {0: commits * self.hz}
        return ticks

    def used(self, before: dict, after: dict) -> dict:
        return {
            name: sum(t - before.get(name, {}).get(pid, 0) for pid, t in group.items()) / self.hz
            for name, group in after.items()
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    env = {**common.bench_environment(), "WHATSAPP_BACKEND": "locmem"}
    common.prepare_database(env)
    common.setup_django(env)

    from automations.campaigns import selectors
    from automations.models import Campaign, CampaignRecipient
    from gymsales.tenancy import company_scope

    company, campaign, sids = common.dispatched_campaign(
        name=COMPANY,
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        sender=SENDER,
        recipients=args.recipients,
        phone_prefix="+1416",
        content_sid="HX" + "c" * 32,
    )
    total = len(sids)
    with company_scope(company):
        recipients = CampaignRecipient.objects.filter(campaign=campaign)

    public_url = env["PUBLIC_BASE_URL"] + STATUS_PATH
    prepared = time.perf_counter()
    bodies = signed_bodies(public_url, sids)
    requests = raw_requests("127.0.0.1", STATUS_PATH, bodies)
    prepared = time.perf_counter() - prepared

    logs = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    port = common.free_port()
    # As production runs it (gymsales/serve.py), on a local port.
    web = common.start(
        [
            str(common.VENV_BIN / "python"),
            "-m",
            "gymsales.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env,
        logs / "web.log",
    )
    common.wait_port(port)
    worker = common.celery_worker(
        env, logs / "worker.log", name="callbacks-bench", pool="solo", queue="celery"
    )
    meter = CpuMeter({"web": web, "worker": worker}, env)
    try:
        time.sleep(4)
        before = meter.snapshot()
        started = time.perf_counter()
        posting, statuses = post_all(port, requests, args.concurrency)
        callbacks = 3 * total
        posted_at = time.perf_counter()
        with company_scope(company):
            while True:
                read = recipients.filter(state="read").count()
                if read == total:
                    break
                if statuses.get(200, 0) < callbacks or time.perf_counter() - posted_at > 60:
                    raise SystemExit(f"only {read} of {total} read; answers {statuses}")
                time.sleep(0.05)
            applied_at = time.perf_counter()
            used = meter.used(before, meter.snapshot())
            counts = selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))
        print(f"{callbacks} callbacks signed before the timed window in {prepared:.1f} s")
        print(
            f"{callbacks} signed callbacks POSTed in {posting:.1f} s ({callbacks / posting:.0f}/s)"
            + f"; answers {dict(sorted(statuses.items()))}"
        )
        print(
            f"callbacks applied: {callbacks / (applied_at - started):.0f}/s (target >= 3000); "
            f"counts settled {applied_at - posted_at:.2f} s after the last callback (target <= 5 s)"
        )
        print(f"counts: read {counts['counts']['read']} of {counts['counts']['total']}")
        window = applied_at - started
        print(
            f"CPU in the window ({window:.1f} s, 2 cores = {2 * window:.1f} CPU-s): "
            + ", ".join(
                f"{name} {seconds:.1f} s ({1e6 * seconds / callbacks:.0f} us/callback)"
                for name, seconds in used.items()
                if name != "commits"
            )
        )
        print(
            f"PostgreSQL transactions committed in the window: {used['commits']:.0f}"
            f" ({callbacks / max(used['commits'], 1):.1f} callbacks each; stores and drains)"
        )
        print(f"load average: {os.getloadavg()[0]:.1f} (other work on the machine)")
        print(
            f"command: .venv/bin/python bench/campaign_callbacks.py --recipients {args.recipients} "
            f"--concurrency {args.concurrency}"
        )
    finally:
        common.stop(worker)
        common.stop(web)


if __name__ == "__main__":
    main()
