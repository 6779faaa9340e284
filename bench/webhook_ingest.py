"""Benchmark 1: Twilio webhook ingest and worker drain.

    .venv/bin/python bench/webhook_ingest.py [--duration 8] [--connections 64]
        [--configs sync:2,gthread:2x8] [--repeat 3]

In one run, for each gunicorn config (WORKER_CLASS:WORKERS[xTHREADS], DEBUG off, the project's
middleware), REPEAT times, alternating:
  * a bare Django 204 view (GET /bench/noop), then
  * signed status callbacks (POST /webhooks/twilio/whatsapp/status, every one unique and signed
    with the company's auth token), each stored durably (committed row) before the 200;
the ratio is taken per round (bare and webhook back to back), medians are printed; then a Celery
worker applies all stored callbacks (drain rate). Needs wrk, PostgreSQL and Redis.
Uses its own database (<your DATABASE_URL>_bench). Prints the figures and the command.
"""

from __future__ import annotations

import argparse
import os
import statistics
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
target = "TARGET"
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
  return wrk.format("POST", target, headers, string.sub(line, tab + 1))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--configs",
        default="sync:2,gthread:2x8",
        help="servers, the same for both views: gunicorn's CLASS:WORKERS[xTHREADS], or"
        " granian:WORKERS[xTHREADS] (blocking threads),...",
    )
    parser.add_argument(
        "--validate-only",
        action="store_true",
        help="also measure the webhook's request work without the store (bench view)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds per config (medians)")
    parser.add_argument(
        "--per-thread", type=int, default=25000, help="unique callbacks per wrk thread per round"
    )
    args = parser.parse_args()
    env = common.bench_environment()
    common.prepare_database(env)
    common.setup_django(env)

    from django.conf import settings
    from django.db import connection
    from twilio.request_validator import RequestValidator

    from gymsales.tenancy import all_companies
    from whatsapp.models import Message, WebhookEvent, WebhookEventPending

    with all_companies():
        company, person = common.bench_company(
            name="Bench Webhooks", account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, sender=SENDER
        )
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE whatsapp_webhookevent, whatsapp_webhookeventpending")

    run = f"{int(time.time())}"
    url = settings.PUBLIC_BASE_URL + "/webhooks/twilio/whatsapp/status"
    validator = RequestValidator(AUTH_TOKEN)
    tmp = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    configs = []
    for spec in args.configs.split(","):
        klass, _, size = spec.partition(":")
        workers, _, threads = size.partition("x")
        configs.append((klass, int(workers), int(threads or 1)))
    rounds = len(configs) * args.repeat
    sids = []
    for thread in range(2 * rounds):
        with (tmp / f"t{thread}.txt").open("w") as out:
            for n in range(args.per_thread):
                sid = f"SM{run}{thread:02d}{n:018d}"[:34].ljust(34, "0")
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
    (tmp / "post.lua").write_text(LUA.replace("TARGET", "/webhooks/twilio/whatsapp/status"))
    (tmp / "check.lua").write_text(LUA.replace("TARGET", "/bench/validate-only"))

    def wrk_bare(base):
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--latency",
                "--timeout",
                "10s",
                f"{base}/bench/noop",
            ],
            capture_output=True,
            text=True,
        ).stdout
        return common.parse_wrk(out)

    def wrk_hooks(base, files, target=None):
        # wrk gives each thread its own Lua state: two 1-thread wrk processes, one file each
        procs = [
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{args.connections // 2}",
                    f"-d{args.duration}s",
                    "--latency",
                    "--timeout",
                    "10s",
                    "-s",
                    str(tmp / "post.lua"),
                    base,
                    "--",
                    str(f),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for f in files
        ]
        hooks = [common.parse_wrk(p.communicate()[0]) for p in procs]
        return {
            "rps": sum(h["rps"] for h in hooks),
            "p99_ms": max(h["p99_ms"] or 0 for h in hooks),
            "non2xx": sum(h["non2xx"] for h in hooks),
            "errors": sum(h["errors"] for h in hooks),
            "requests": sum(h["requests"] for h in hooks),
        }

    results = {config: [] for config in configs}
    checks = {config: [] for config in configs}
    answered = 0
    file_no = 0
    loads = [os.getloadavg()[0]]
    for round_no in range(args.repeat):
        for config in configs:
            klass, workers, threads = config
            port = common.free_port()
            if klass == "granian":
                web = common.granian(env, port, tmp / "granian.log", workers, threads)
            else:
                web = common.gunicorn(
                    env,
                    port,
                    tmp / "gunicorn.log",
                    workers=workers,
                    worker_class=klass,
                    threads=threads,
                )
            base = f"http://127.0.0.1:{port}"
            try:
                subprocess.run(
                    ["wrk", "-t2", "-c8", "-d2s", f"{base}/bench/noop"], capture_output=True
                )  # warm
                bare = wrk_bare(base)
                files = [tmp / f"t{file_no}.txt", tmp / f"t{file_no + 1}.txt"]
                file_no += 2
                hook = wrk_hooks(base, files)
                check = (
                    wrk_hooks(base, files, "/bench/validate-only") if args.validate_only else None
                )
            finally:
                common.stop(web)
            answered += hook["requests"] - hook["non2xx"]
            results[config].append((bare, hook))
            if check:
                checks[config].append(check["rps"] / bare["rps"])
            loads.append(os.getloadavg()[0])
            print(
                f"round {round_no + 1} {klass}:{workers}x{threads}: bare {bare['rps']:.0f} req/s"
                f" p99 {bare['p99_ms']} ms | webhook {hook['rps']:.0f} req/s p99"
                f" {hook['p99_ms']} ms non-2xx {hook['non2xx']} socket errors {hook['errors']}"
                f" (bare {bare['errors']}) | ratio"
                f" {hook['rps'] / bare['rps']:.2f} | load {loads[-1]:.1f}",
                flush=True,
            )
    with all_companies():
        stored = WebhookEvent.objects.count()

    # Drain: a Celery worker applies the stored callbacks (status sending → delivered).
    from gymsales.celery import app

    app.control.purge()
    worker = common.celery_worker(
        env,
        tmp / "worker.log",
        name="ingest-bench",
        concurrency=2,
        extra=("--without-gossip", "--without-mingle"),
    )
    try:
        time.sleep(3)
        from whatsapp.tasks import webhook_events_drain_task

        started = time.monotonic()
        webhook_events_drain_task.delay()
        webhook_events_drain_task.delay()
        with all_companies():
            while WebhookEventPending.objects.exists():
                if time.monotonic() - started > 600:
                    break
                time.sleep(0.05)
            drained = time.monotonic() - started
            applied = Message.objects.filter(company=company, status="delivered").count()
    finally:
        common.stop(worker)

    print()
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"  wrk -c{args.connections} -d{args.duration}s per measurement; {args.repeat} rounds per "
        f"config; load average (1 min) {statistics.median(loads):.1f} median, "
        f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores"
    )
    for (klass, workers, threads), rows in results.items():
        bare_rps = statistics.median(b["rps"] for b, _ in rows)
        hook_rps = statistics.median(h["rps"] for _, h in rows)
        ratio = statistics.median(h["rps"] / b["rps"] for b, h in rows)
        print(
            (
                f"granian -w {workers} --blocking-threads {threads}: "
                if klass == "granian"
                else f"gunicorn -k {klass} -w {workers} --threads {threads}: "
            )
            + f"bare 204 {bare_rps:6.0f} req/s (p99 {statistics.median(b['p99_ms'] for b, _ in rows)}"
            f" ms) | signed callbacks {hook_rps:6.0f} req/s (p99 "
            f"{statistics.median(h['p99_ms'] for _, h in rows)} ms, non-2xx "
            f"{sum(h['non2xx'] for _, h in rows)}, socket errors/timeouts "
            f"{sum(h['errors'] for _, h in rows)}) | ratio {ratio:.2f} (target >= 0.6)"
        )
    for (klass, workers, threads), ratios in checks.items():
        if ratios:
            print(
                f"  {klass}:{workers}x{threads} validate-only (parse + signature, no store) / bare:"
                f" {statistics.median(ratios):.2f}"
            )
    print(f"stored events: {stored} (requests answered 200: {answered})")
    print(
        f"worker drain: {applied} callbacks applied in {drained:.1f} s = {applied / drained:.0f}/s "
        "(1 worker process, 2 threads)"
    )


if __name__ == "__main__":
    main()
