"""Benchmark 1: Twilio webhook ingest and worker drain.

    .venv/bin/python bench/webhook_ingest.py [--duration 10] [--connections 64]

In one run, under the same gunicorn config (2 sync workers, DEBUG off, the project's middleware):
  * a bare Django 204 view (GET /bench/noop), then
  * signed status callbacks (POST /webhooks/twilio/whatsapp/status, every one unique and signed
    with the company's auth token), each stored durably (committed row) before the 200;
then a Celery worker applies the stored callbacks (drain rate). Needs wrk, PostgreSQL and Redis.
Uses its own database (<your DATABASE_URL>_bench). Prints the figures and the command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
SENDER = "+14155559999"

LUA = r"""
local lines = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
end
request = function()
  i = i + 1
  if i > #lines then i = 1 end
  local line = lines[i]
  local tab = string.find(line, "\t", 1, true)
  local headers = {}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["X-Twilio-Signature"] = string.sub(line, 1, tab - 1)
  return wrk.format("POST", "/webhooks/twilio/whatsapp/status", headers, string.sub(line, tab + 1))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (the same for both views)"
    )
    parser.add_argument(
        "--per-thread", type=int, default=60000, help="unique callbacks per wrk thread"
    )
    args = parser.parse_args()
    env = common.bench_environment()
    common.prepare_database(env)
    common.setup_django(env)

    from django.conf import settings
    from django.db import connection
    from twilio.request_validator import RequestValidator

    from gymsales import services as crm
    from gymsales.models import Company, Person
    from gymsales.tenancy import all_companies
    from whatsapp.models import Message, WebhookEvent, WhatsAppSettings

    with all_companies():
        company = Company.objects.filter(name="Bench Webhooks").first()
        if company is None:
            company = crm.company_create(name="Bench Webhooks")
            crm.club_create(company=company, name="Bench Club")
        WhatsAppSettings.objects.filter(company=company).update(
            enabled=True,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            sender_number=SENDER,
            max_messages_per_second=100000,
        )
        person = Person.objects.filter(company=company).first() or Person.objects.create(
            company=company,
            club=company.clubs.first(),
            first_name="Bench",
            phone_mobile="+14155550001",
        )
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE whatsapp_webhookevent")
            cursor.execute("DELETE FROM gymsales_note WHERE company_id = %s", [company.pk])
            cursor.execute("DELETE FROM whatsapp_message WHERE company_id = %s", [company.pk])

    run = f"{int(time.time())}"
    url = settings.PUBLIC_BASE_URL + "/webhooks/twilio/whatsapp/status"
    validator = RequestValidator(AUTH_TOKEN)
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    sids = []
    for thread in (1, 2):
        with (tmp / f"t{thread}.txt").open("w") as out:
            for n in range(args.per_thread):
                sid = f"SM{run}{thread}{n:020d}"[:34].ljust(34, "0")
                sids.append(sid)
                params = {
                    "AccountSid": ACCOUNT_SID,
                    "ApiVersion": "2010-04-01",
                    "ChannelPrefix": "whatsapp",
                    "From": f"whatsapp:{SENDER}",
                    "MessageSid": sid,
                    "MessageStatus": "delivered",
                    "SmsSid": sid,
                    "SmsStatus": "delivered",
                    "To": "whatsapp:+14155550001",
                    "ChannelInstallSid": "XE" + "0" * 32,
                    "ChannelToAddress": "+14155550001",
                    "StructuredMessage": "false",
                }
                out.write(
                    validator.compute_signature(url, params) + "\t" + urlencode(params) + "\n"
                )
    with all_companies():
        Message.objects.bulk_create(
            (
                Message(
                    company=company,
                    person=person,
                    direction="outbound",
                    status="sending",
                    sid=s,
                    body="bench",
                )
                for s in sids
            ),
            batch_size=5000,
        )
    (tmp / "post.lua").write_text(LUA)

    port = common.free_port()
    web = common.gunicorn(env, port, tmp / "gunicorn.log", workers=args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        subprocess.run(
            ["wrk", "-t2", "-c8", "-d2s", f"{base}/bench/noop"], capture_output=True
        )  # warm
        bare = common.parse_wrk(
            subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--latency",
                    f"{base}/bench/noop",
                ],
                capture_output=True,
                text=True,
            ).stdout
        )
        # wrk gives each thread its own Lua state: run the two halves as two 1-thread wrk processes
        procs = [
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{args.connections // 2}",
                    f"-d{args.duration}s",
                    "--latency",
                    "-s",
                    str(tmp / "post.lua"),
                    base,
                    "--",
                    str(tmp / f"t{t}.txt"),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for t in (1, 2)
        ]
        hooks = [common.parse_wrk(p.communicate()[0]) for p in procs]
    finally:
        common.stop(web)
    hook_rps = sum(h["rps"] for h in hooks)
    hook_p99 = max(h["p99_ms"] or 0 for h in hooks)
    non2xx = sum(h["non2xx"] for h in hooks)
    with all_companies():
        stored = WebhookEvent.objects.count()

    # Drain: a Celery worker applies the stored callbacks (status sending → delivered).
    from gymsales.celery import app

    app.control.purge()
    worker = common.start(
        [
            str(common.VENV_BIN / "celery"),
            "-A",
            "gymsales",
            "worker",
            "-P",
            "threads",
            "-c",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        env,
        tmp / "worker.log",
    )
    try:
        time.sleep(3)
        from whatsapp.tasks import webhook_events_drain_task

        started = time.monotonic()
        webhook_events_drain_task.delay()
        webhook_events_drain_task.delay()
        with all_companies():
            while WebhookEvent.objects.filter(processed_at__isnull=True).exists():
                if time.monotonic() - started > 600:
                    break
                time.sleep(0.05)
            drained = time.monotonic() - started
            applied = Message.objects.filter(company=company, status="delivered").count()
    finally:
        common.stop(worker)

    print(
        f"command: {' '.join(sys.argv)}  (wrk -c{args.connections} -d{args.duration}s, gunicorn -w 2 -k sync)"
    )
    print(f"bare Django 204 view:     {bare['rps']:8.0f} req/s   p99 {bare['p99_ms']} ms")
    print(f"signed status callbacks:  {hook_rps:8.0f} req/s   p99 {hook_p99} ms   non-2xx {non2xx}")
    print(f"ratio webhook/bare:       {hook_rps / bare['rps']:.2f}   (target >= 0.6)")
    print(
        f"stored events:            {stored} (requests answered 200: {sum(h['requests'] for h in hooks) - non2xx})"
    )
    print(
        f"worker drain:             {applied} callbacks applied in {drained:.1f} s = {applied / drained:.0f}/s "
        "(1 worker process, 2 threads)"
    )


if __name__ == "__main__":
    main()
