"""Benchmark: bulk campaigns. Prints its figures and the command.

    .venv/bin/python bench/campaigns.py [--people 100000] [--baseline 20000] [--probes 30]

In one run, on its own `<database>_bench` database, against a local Twilio stand-in answering in
50 ms and keeping every message it accepted (tests/campaigns/standin.py, its own process):
  * pre-flight over PEOPLE people, and fan-out of their campaign (INSERT … SELECT);
  * baseline: a bare concurrent aiohttp loop (the same client, 200 in flight) posting BASELINE
    messages to the stand-in;
  * dispatch: a `campaigns` Celery worker (one process) sends the whole campaign (claims, Message
    rows and notes, batched write-back); rate = recipients / (first claim → last SID stored),
    checked against the stand-in (nobody twice, nobody missing); peak RSS of that worker;
  * interactive: while the campaign dispatches, PROBES 1:1 sends (message_send, as the Client
    Profile does) go through a worker on the default queue: p95 from message_send to the stand-in
    receiving it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "bench-campaign-token"
SENDER = "+14155557777"
CONCURRENCY = 200
TEMPLATE = "Bench offer"
CONTENT_SID = "HX" + "b" * 32
PROBE_NAME = "Probe"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def baseline(base: str, count: int) -> float:
    """A bare aiohttp loop, CONCURRENCY in flight, same endpoint and form: messages/s (this
    process's CPU per message in `baseline.cpu_us`)."""
    import aiohttp

    url = f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

    async def run():
        headers = {"Authorization": aiohttp.encode_basic_auth(ACCOUNT_SID, AUTH_TOKEN)}
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
            queue = iter(range(count))

            async def worker():
                for n in queue:
                    form = {
                        "To": f"whatsapp:+1999{n:07d}",
                        "From": f"whatsapp:{SENDER}",
                        "ContentSid": CONTENT_SID,
                        "ContentVariables": '{"1": "Bench"}',
                        "StatusCallback": "https://bench.gymsales.example/webhooks/x",
                    }
                    async with session.post(url, data=form) as response:
                        await response.read()

            started, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            baseline.cpu_us = (time.process_time() - cpu) / count * 1e6
            return count / (time.perf_counter() - started)

    return asyncio.run(run())


def make_people(company, n: int) -> None:
    from gymsales.models import Person

    have = Person.objects.filter(company=company).count()
    club = company.clubs.first()
    batch = []
    for i in range(have, n):
        batch.append(
            Person(
                company=company,
                club=club,
                first_name=f"B{i}",
                last_name="Bench",
                phone_mobile=f"+1415{i:07d}",
                whatsapp_opted_out=i % 97 == 0,
            )
        )
        if len(batch) == 5000:
            Person.objects.bulk_create(batch)
            batch = []
    if batch:
        Person.objects.bulk_create(batch)


def vacuum_analyze() -> None:
    """After a run, what autovacuum would do (it may be off on this server): clear the dead rows
    the campaign left and take statistics of the tables it wrote, so the next run starts from
    tables of the same shape instead of ever more bloated ones. Not before a run: statistics of
    a just-emptied table would tell PostgreSQL that every table is empty (the foreign key checks
    would scan instead of using the primary key), and the run's fan-out is never analysed
    before its dispatch, as in production right after a fan-out."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE automations_campaignrecipient, whatsapp_message, gymsales_note,"
            " whatsapp_messagenote"
        )


def forget_probes(company) -> None:
    """Remove the people earlier runs' interactive probes made (`Probe`, +1888…), with all
    that is theirs: otherwise each run's campaign would reach 30 more people than the last."""
    from gymsales.models import Person

    Person.objects.filter(
        company=company, first_name=PROBE_NAME, phone_mobile__startswith="+1888"
    ).delete()


def rss_peak_mb(pid: int) -> float:
    """Peak RSS (VmHWM) of a process and its children (a Celery worker's pool), in MB."""
    peak = 0
    pids = {pid}
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        pids |= {int(p) for p in child.read_text().split()}
    for p in pids:
        status = Path(f"/proc/{p}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="record the campaign worker with py-spy (if installed) into FILE (collapsed stacks)",
    )
    args = parser.parse_args()

    env = common.bench_environment()
    common.prepare_database(env)
    common.setup_django(env)
    import requests
    from django.db import connection

    from automations.campaigns import selectors, services
    from automations.models import Campaign
    from gymsales.tenancy import all_companies, company_scope
    from whatsapp.models import WhatsAppSettings

    logs = Path(tempfile.mkdtemp(prefix="bench-campaigns-"))
    port = common.free_port()
    base = f"http://127.0.0.1:{port}"
    standin = common.start(
        [str(common.VENV_BIN / "python"), "-m", "tests.campaigns.standin", str(port), "50"],
        env,
        logs / "standin.log",
    )
    procs = [standin]
    profiler = None
    try:
        common.wait_port(port)
        company, _ = common.bench_company(
            name="Bench Campaigns", account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, sender=SENDER
        )
        with all_companies():
            WhatsAppSettings.objects.filter(company=company).update(
                messaging_limit=None, max_messages_per_second=100000
            )
        with company_scope(company):
            forget_probes(company)  # the previous run's: every run fans out the same people
            started = time.perf_counter()
            make_people(company, args.people)
            made = time.perf_counter() - started
            template = common.bench_template(company, name=TEMPLATE, content_sid=CONTENT_SID)
            campaign = Campaign.objects.create(company=company, name="Bench", template=template)
            t0 = time.perf_counter()
            preflight = services.campaign_preflight(campaign=campaign)
            preflight_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            fanned = services.campaign_fan_out(campaign_id=campaign.pk)
            fanout_s = time.perf_counter() - t0
            will_send = preflight["will_send"]
        print(f"people: {args.people} ({made:.1f}s to top up)")
        print(f"pre-flight over {args.people} people: {preflight_s:.2f} s  (target <= 2 s)")
        print(f"fan-out of {fanned} recipients: {fanout_s:.2f} s  (target <= 10 s)")

        standin_cpu = cpu_seconds(standin.pid)
        base_rate = baseline(base, args.baseline)
        standin_us = (cpu_seconds(standin.pid) - standin_cpu) / args.baseline * 1e6
        print(
            f"baseline bare aiohttp loop, {CONCURRENCY} in flight: {base_rate:.0f} msg/s "
            f"(CPU per message: loop {baseline.cpu_us:.0f} µs, stand-in {standin_us:.0f} µs)"
        )

        worker_env = {
            **env,
            "WHATSAPP_BACKEND": "twilio",
            "TWILIO_API_BASE": base,
            "CAMPAIGN_CONCURRENCY": str(CONCURRENCY),
            "CAMPAIGN_SLICE_SECONDS": "20",
        }
        campaign_worker = common.celery_worker(
            worker_env,
            logs / "campaign-worker.log",
            name="campaigns-bench",
            pool="solo",
            queue="campaigns",
        )
        interactive_worker = common.celery_worker(
            worker_env,
            logs / "interactive-worker.log",
            name="interactive-bench",
            concurrency=4,
            queue="celery",
        )
        procs += [campaign_worker, interactive_worker]
        time.sleep(4)  # both workers up
        if args.profile:
            profiler = common.start(
                [
                    str(common.VENV_BIN / "py-spy"),
                    "record",
                    "--format",
                    "raw",
                    "--threads",
                    "--gil",
                    "-r",
                    "100",
                    "-o",
                    str(Path(args.profile).resolve()),
                    "-p",
                    str(campaign_worker.pid),
                ],
                env,
                logs / "py-spy.log",
            )
        before = requests.get(f"{base}/stats", timeout=5).json()["created"]
        with company_scope(company):
            campaign.refresh_from_db()
            t_start = time.perf_counter()
            worker_cpu = cpu_seconds(campaign_worker.pid)
            standin_cpu = cpu_seconds(standin.pid)
            services.campaign_act(campaign=campaign, action="start")
        probes = threading.Thread(target=probe_interactive, args=(company, base, args.probes, env))
        latencies: list[float] = []
        probe_interactive.results = latencies
        probes_started = False
        peak_rss = 0.0
        first_sid_at = None
        while True:
            time.sleep(0.5)
            peak_rss = max(peak_rss, rss_peak_mb(campaign_worker.pid))
            with company_scope(company):
                c = selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))
                status = Campaign.objects.values_list("status", flat=True).get(pk=campaign.pk)
            accepted = c["counts"]["sending"]
            if first_sid_at is None and accepted:
                first_sid_at = time.perf_counter()
            if not probes_started and accepted > will_send * 0.1:
                probes.start()
                probes_started = True
            if status == "completed":
                break
            if time.perf_counter() - t_start > 1200:
                raise SystemExit("campaign did not complete in 20 minutes")
        took = time.perf_counter() - t_start
        worker_us = (cpu_seconds(campaign_worker.pid) - worker_cpu) / will_send * 1e6
        standin_us = (cpu_seconds(standin.pid) - standin_cpu) / will_send * 1e6
        if probes_started:
            probes.join(60)
        stats = requests.get(f"{base}/stats", timeout=5).json()
        sent_now = stats["created"] - before - len(latencies)
        with company_scope(company), connection.cursor() as cursor:
            cursor.execute(
                "SELECT extract(epoch FROM max(r.sent_at) - min(m.created_at))"
                " FROM automations_campaignrecipient r JOIN whatsapp_message m"
                " ON m.id = r.message_id WHERE r.campaign_id = %s",
                [campaign.pk],
            )
            sending = float(cursor.fetchone()[0])
        rate = will_send / sending
        print(
            f"dispatch: {will_send} recipients, first claim → last SID stored {sending:.1f} s "
            f"= {rate:.0f} msg/s (target >= 1000); ratio to the bare loop "
            f"{rate / base_rate:.2f} (target >= 0.7); start → completed {took:.1f} s"
        )
        print(
            f"stand-in: {sent_now} campaign messages accepted, duplicates {stats['duplicates']} "
            f"(every recipient exactly once: {sent_now == will_send and stats['duplicates'] == 0})"
        )
        print(
            f"CPU per recipient: campaign worker {worker_us:.0f} µs (bare loop "
            f"{baseline.cpu_us:.0f} µs), stand-in {standin_us:.0f} µs"
        )
        print(f"peak RSS of the campaign worker: {peak_rss:.0f} MB (target <= 300 MB)")
        if latencies:
            p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) >= 2 else latencies[0]
            print(
                f"interactive 1:1 sends during the campaign: {len(latencies)} probes, "
                f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms "
                "(target <= 1000 ms)"
            )
        vacuum_analyze()
        print(
            f"command: .venv/bin/python bench/campaigns.py --people {args.people} "
            f"--baseline {args.baseline} --probes {args.probes}"
        )
    finally:
        if profiler is not None:  # py-spy writes its file on SIGINT
            os.killpg(profiler.pid, signal.SIGINT)
            profiler.wait(30)
            print(f"profile of the campaign worker: {args.profile}")
        for proc in reversed(procs):
            common.stop(proc)


def probe_interactive(company, base: str, count: int, env: dict) -> None:
    """1:1 template sends (the Client Profile's path) while the campaign runs: seconds from
    message_send to the stand-in receiving the request."""
    import requests
    from django.db import close_old_connections

    from gymsales.models import Person
    from gymsales.tenancy import company_scope
    from whatsapp.services import message_send

    close_old_connections()
    with company_scope(company):
        club = company.clubs.first()
        template = common.bench_template(company, name=TEMPLATE, content_sid=CONTENT_SID)
        for n in range(count):
            phone = f"+1888{int(time.time() * 1000) % 10**7:07d}"
            person = Person.objects.create(
                company=company, club=club, first_name=PROBE_NAME, phone_mobile=phone
            )
            sent_at = time.time()
            message_send(person=person, user=None, template=template)
            to = f"whatsapp:{phone}"
            deadline = time.time() + 30
            while time.time() < deadline:
                arrived = requests.get(f"{base}/arrival", params={"to": to}, timeout=5).json()[
                    "arrived"
                ]
                if arrived:
                    probe_interactive.results.append(arrived - sent_at)
                    break
                time.sleep(0.02)
            time.sleep(0.2)


if __name__ == "__main__":
    main()
