"""Chaos (issue 9 item 14): a real Celery worker process is killed with SIGKILL in the middle of
200 sends against a recording Twilio stand-in; a new worker and the beat sweep finish the job.
Every message ends sent exactly once (the stand-in saw each To once), none queued or sending.
"""

from __future__ import annotations

import email.utils
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import redis
import requests
from django.db import connection
from twilio.request_validator import RequestValidator

from tests.factories import PersonFactory
from tests.waits import wait_for
from tests.whatsapp.conftest import AUTH_TOKEN, enable, make_template
from whatsapp import services
from whatsapp.models import Message, MessageStatus

pytestmark = [pytest.mark.worker, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 200
LEASE_SECONDS = 20  # far longer than one send to the stand-in, even on a loaded machine


class RecordingTwilio:
    """A small Twilio stand-in: Messages create (records To, answers after a delay like Twilio,
    then posts a signed `sent` status callback) and Messages list (To, From, DateSent>)."""

    def __init__(self, *, answer_delay: float = 0.05, callback_delay: float = 0.3):
        self.answer_delay = answer_delay
        self.callback_delay = callback_delay
        self.lock = threading.Lock()
        self.created: list[dict] = []
        self.lookups = 0
        self.callbacks = ThreadPoolExecutor(max_workers=4)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the worker that asked was killed: Twilio got the message all the same

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                raw = self.rfile.read(length)
                form = dict(parse_qsl(raw.decode(errors="replace")))
                if len(raw) < length or not form.get("To"):
                    # A worker killed while writing its request: Twilio creates no message.
                    self._answer(
                        400, {"code": 21604, "message": "A 'To' phone number is required."}
                    )
                    return
                account = self.path.split("/Accounts/")[1].split("/")[0]
                record = {
                    "sid": "SM" + uuid.uuid4().hex,
                    "account_sid": account,
                    "to": form.get("To", ""),
                    "from": form.get("From", ""),
                    "body": form.get("Body", ""),
                    "status": "queued",
                    "date_created": datetime.now(UTC),
                    "date_sent": datetime.now(UTC),
                }
                with stand_in.lock:
                    stand_in.created.append(record)
                time.sleep(stand_in.answer_delay)
                self._answer(201, stand_in.resource(record))
                if form.get("StatusCallback"):
                    stand_in.callbacks.submit(stand_in.post_sent, record, form["StatusCallback"])

            def do_GET(self):
                query = dict(parse_qsl(urlsplit(self.path).query))
                since = datetime.fromisoformat(query["DateSent>"]) if "DateSent>" in query else None
                with stand_in.lock:
                    stand_in.lookups += 1
                    found = [
                        r
                        for r in reversed(stand_in.created)
                        if r["to"] == query.get("To", r["to"])
                        and r["from"] == query.get("From", r["from"])
                        and (since is None or r["date_sent"] >= since)
                    ]
                self._answer(
                    200,
                    {
                        "messages": [stand_in.resource(r, status="sent") for r in found],
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": 50,
                        "start": 0,
                        "end": len(found),
                        "uri": self.path,
                        "first_page_uri": self.path,
                        "previous_page_uri": None,
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def resource(record: dict, status: str | None = None) -> dict:
        return {
            "sid": record["sid"],
            "account_sid": record["account_sid"],
            "to": record["to"],
            "from": record["from"],
            "body": record["body"],
            "status": status or record["status"],
            "date_created": email.utils.format_datetime(record["date_created"], usegmt=True),
            "date_sent": email.utils.format_datetime(record["date_sent"], usegmt=True),
        }

    def post_sent(self, record: dict, url: str) -> None:
        time.sleep(self.callback_delay)
        params = {
            "AccountSid": record["account_sid"],
            "MessageSid": record["sid"],
            "SmsSid": record["sid"],
            "MessageStatus": "sent",
            "SmsStatus": "sent",
            "To": record["to"],
            "From": record["from"],
            "ApiVersion": "2010-04-01",
        }
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        for _ in range(5):  # Twilio retries a callback that failed
            try:
                if (
                    requests.post(
                        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
                    ).status_code
                    == 200
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(1)

    def count(self) -> int:
        with self.lock:
            return len(self.created)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.callbacks.shutdown(wait=False, cancel_futures=True)


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(env: dict, log: Path) -> subprocess.Popen:
    """`celery -A gymsales worker` as its own process (threads pool: one process, so SIGKILL kills
    every send in flight at once)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "gymsales",
            "worker",
            "-P",
            "threads",
            "-c",
            "4",
            "-l",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def test_sigkill_in_the_middle_of_200_sends_loses_nothing_and_doubles_nothing(
    live_server, settings, company, club, tmp_path
):
    from gymsales.celery import app

    twilio = RecordingTwilio()
    settings.PUBLIC_BASE_URL = live_server.url  # where Twilio's status callbacks go
    settings.WHATSAPP_SEND_LEASE_SECONDS = LEASE_SECONDS
    settings.WHATSAPP_REQUEUE_AFTER_SECONDS = 10
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    enable(company, messaging_limit=None, max_messages_per_second=1000)
    template = make_template(company)
    people = [PersonFactory(company=company, club=club) for _ in range(MESSAGES)]
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WHATSAPP_BACKEND": "twilio",
        "TWILIO_API_BASE": twilio.url,
        "PUBLIC_BASE_URL": live_server.url,
        "WHATSAPP_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    log = tmp_path / "worker.log"
    workers = [start_worker(env, log)]
    try:
        ids = [
            services.message_send(person=person, user=None, template=template).pk
            for person in people
        ]
        assert wait_for(lambda: twilio.count() >= MESSAGES // 4, timeout=180), log.read_text()
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(timeout=30)
        at_kill = twilio.count()
        assert at_kill < MESSAGES, "the worker finished before it could be killed"

        workers.append(start_worker(env, log))

        def beat_until_all_sent():
            services.sends_sweep()  # what beat runs every few seconds
            services.webhook_events_drain()
            return (
                not Message.objects.filter(pk__in=ids)
                .exclude(
                    status__in=[MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ]
                )
                .exists()
            )

        assert wait_for(beat_until_all_sent, timeout=420, interval=1.0), (
            Counter(Message.objects.filter(pk__in=ids).values_list("status", flat=True)),
            log.read_text()[-3000:],
        )
    finally:
        for worker in workers:
            stop_worker(worker)
        twilio.stop()
        # what the killed worker had taken stays unacknowledged until the visibility timeout
        app.control.purge()
        prefix = (app.conf.broker_transport_options or {}).get("global_keyprefix", "")
        redis.Redis.from_url(app.conf.broker_url).delete(
            f"{prefix}unacked", f"{prefix}unacked_index"
        )

    seen = Counter(record["to"] for record in twilio.created)
    expected = {f"whatsapp:{person.phone_mobile}" for person in people}
    assert set(seen) == expected
    assert [to for to, times in seen.items() if times != 1] == []  # each To exactly once
    sid_of = {record["to"]: record["sid"] for record in twilio.created}
    messages = Message.objects.filter(pk__in=ids)
    assert {m.sid for m in messages} == {sid_of[f"whatsapp:{m.to_number}"] for m in messages}
    assert not messages.filter(status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).exists()
    print(
        f"chaos: {MESSAGES} sends, SIGKILL after {at_kill} reached the stand-in, "
        f"{twilio.lookups} reconciliation lookups, {len(twilio.created)} sends seen in all"
    )
