"""Benchmark 2: the send pipeline, from message_send (what the API view calls) to Twilio-accepted.

    .venv/bin/python bench/send_pipeline.py [--messages 3000] [--threads 24]

Side by side in one run, against a local Twilio twin answering in 50 ms (bench/twilio_stub.py):
  * baseline: a bare loop of the official twilio client, 2 processes x THREADS threads;
  * pipeline: message_send records each message (rules, Message + note) and enqueues it; 2 Celery
    worker processes (threads pool, THREADS each, WHATSAPP_BACKEND=twilio, TWILIO_API_BASE=twin)
    claim, send and store the SID. Timed from the first message_send to the last SID stored.
HTTP + Basic auth of the API request are not included (see the report).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "bench-send-token"
SENDER = "+14155558888"


def _bare_worker(args):
    base, count, threads = args
    import os

    os.environ["TWILIO_API_BASE"] = base
    import threading

    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from whatsapp.providers.twilio.client import RedirectingHttpClient

    local = threading.local()

    def send(n):
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = Client(
                ACCOUNT_SID, AUTH_TOKEN, http_client=RedirectingHttpClient(base=base, timeout=10)
            )
        client.messages.create(to="whatsapp:+14155550001", from_=f"whatsapp:{SENDER}", body=f"m{n}")

    assert TwilioHttpClient
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, range(count)))
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=24)
    parser.add_argument("--producers", type=int, default=8, help="concurrent message_send callers")
    args = parser.parse_args()
    env = common.bench_environment()
    tmp = Path(tempfile.mkdtemp(prefix="bench-send-"))
    stub_port = common.free_port()
    base = f"http://127.0.0.1:{stub_port}"
    env.update(
        {"WHATSAPP_BACKEND": "twilio", "TWILIO_API_BASE": base, "CELERY_DB_REUSE_MAX": "1000"}
    )
    common.prepare_database(env)
    common.setup_django(env)
    stub = common.start(
        [str(common.VENV_BIN / "python"), "bench/twilio_stub.py", str(stub_port)],
        env,
        tmp / "stub.log",
    )
    common.wait_port(stub_port)

    from django.utils import timezone

    from gymsales.tenancy import all_companies, company_scope
    from whatsapp.models import Conversation, Message
    from whatsapp.services import message_send

    try:
        # 1. baseline: the bare twilio client loop, same concurrency (2 processes x threads)
        per = args.messages // 2
        t0 = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            done = sum(pool.map(_bare_worker, [(base, per, args.threads)] * 2))
        bare_rate = done / (time.monotonic() - t0)

        # 2. the pipeline
        with all_companies():
            company, person = common.bench_company(
                name="Bench Sending", account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, sender=SENDER
            )
            Conversation.objects.update_or_create(
                company=company,
                person=person,
                defaults={"session_expires_at": timezone.now() + timezone.timedelta(hours=24)},
            )
        from gymsales.celery import app

        app.control.purge()
        from django.db import connections

        def produce(chunk):
            # one thread = one concurrent API request handler (gunicorn worker)
            with company_scope(company):
                for n in chunk:
                    message_send(person=person, user=None, body=f"Bench message {n}")
            connections.close_all()

        chunks = [range(i, args.messages, args.producers) for i in range(args.producers)]
        t0 = time.monotonic()
        with ThreadPoolExecutor(args.producers) as pool:
            list(pool.map(produce, chunks))
        produced = time.monotonic() - t0
        # the queued sends wait in Redis; now the two workers start and send them all
        workers = [
            common.celery_worker(
                env,
                tmp / f"worker{i}.log",
                name=f"bench{i}",
                concurrency=args.threads,
                extra=("--without-gossip", "--without-mingle", "--prefetch-multiplier", "8"),
            )
            for i in (1, 2)
        ]
        t0 = time.monotonic()
        with all_companies():
            while Message.objects.filter(company=company, sid__isnull=True).exists():
                if time.monotonic() - t0 > 600:
                    break
                time.sleep(0.02)
            elapsed = time.monotonic() - t0
            sent = Message.objects.filter(company=company, sid__isnull=False).count()
            from django.db.models import Max, Min

            span = Message.objects.filter(company=company, sid__isnull=False).aggregate(
                first=Min("updated_at"), last=Max("updated_at")
            )
            sending = (span["last"] - span["first"]).total_seconds()
            failed = Message.objects.filter(company=company, status="failed").count()
        for worker in workers:
            common.stop(worker)
    finally:
        common.stop(stub)
    pipe_rate = sent / sending
    print(
        f"command: {' '.join(sys.argv)}  (twin answers in 50 ms; 2 processes x {args.threads} threads)"
    )
    print(f"bare twilio client loop:  {bare_rate:7.0f} msg/s")
    print(
        f"message_send (rules, Message + note, enqueue): {args.messages / produced:7.0f} msg/s "
        f"with {args.producers} concurrent callers"
    )
    print(
        f"workers, queued -> Twilio-accepted (SID stored): {pipe_rate:7.0f} msg/s  ({sent} sent, "
        f"{failed} failed; {sending:.1f} s first to last SID, {elapsed:.1f} s incl. worker start-up)"
    )
    print(f"ratio workers/bare loop:  {pipe_rate / bare_rate:.2f}   (target >= 300 msg/s)")


if __name__ == "__main__":
    main()
