"""Reports benchmark: p50/p95 of every report over 1,000,000 messages, 10,000 campaign recipients and
50,000 people, and how the cost grows from 100,000 to 1,000,000 messages (target: p95 <= 1 s each).

Run from the checkout:  .venv/bin/python bench/reports_bench.py [--requests 30] [--steps 100000,1000000]

It builds a throw-away database (<your database>_reports_bench) with SQL generate_series (a million
messages in well under a minute), measures each report through Django's test client (the whole
middleware stack, DRF, the JSON or the streamed CSV; no network), prints the figures, drops it.
The messages go in through the real triggers, so the build also shows what the counters cost writers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsales.settings")
os.environ.setdefault("WHATSAPP_BACKEND", "locmem")
# Measure as production runs: DEBUG off (no query log, cached templates).
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)

CLUBS = 10
USERS = 50
PEOPLE = 50_000
DAYS = 365
CAMPAIGNS = 20
RECIPIENTS = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per report")
    parser.add_argument(
        "--steps",
        default="100000,1000000",
        help="message counts to measure at, ascending (messages are added between steps)",
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the Bulk WhatsApp aggregate's query plan"
    )
    args = parser.parse_args()
    steps = [int(step) for step in args.steps.split(",")]

    from bench import common

    with common.django_test_database("reports_bench"):
        run(args, steps)


def insert_series(model, count: int, exprs: dict[str, str], params: dict | None = None) -> float:
    """INSERT `count` rows of `model` from generate_series (`g.i` = 0..count-1): the columns in
    `exprs` as SQL, every other column its Django default (so new columns don't break this)."""
    from django.db import connection

    columns, values, args = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in exprs:
            values.append(exprs[field.name].replace("%", "%%"))
        else:
            values.append("%s")
            args.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM generate_series(0, %s - 1) AS g(i)"
    )
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, count])
    return time.perf_counter() - began


def run(args, steps: list[int]) -> None:
    from django.db import connection
    from django.test import Client
    from django_scopes import scopes_disabled

    from automations.campaigns.models import Campaign, CampaignRecipient
    from gymsales.models import Appointment, Club, Company, Person, Role, Sale, SaleType, User
    from reporting.counters import fold_deltas
    from templates_app.models import MessageTemplate, TemplateStatus
    from whatsapp.models import Message

    with scopes_disabled():
        company = Company.objects.create(name="Bench Gyms", time_zone="America/New_York")
        clubs = [Club.objects.create(company=company, name=f"Club {i}") for i in range(CLUBS)]
        manager = User.objects.create_user(
            "manager@bench.test", "bench-pass", company=company, club=clubs[0], role=Role.MANAGER
        )
        users = [
            User.objects.create_user(
                f"sales{i}@bench.test", "x", company=company, club=clubs[i % CLUBS]
            )
            for i in range(USERS)
        ]
    club0, user0 = clubs[0].pk, users[0].pk
    built = insert_series(
        Person,
        PEOPLE,
        {
            "company": str(company.pk),
            "club": f"{club0} + (g.i % {CLUBS})",
            "first_name": "'Person ' || g.i",
            "phone_mobile": "'+1555' || lpad(g.i::text, 7, '0')",
            "created_at": "now()",
            "updated_at": "now()",
        },
    )
    with scopes_disabled():
        person0 = Person.objects.order_by("id").values_list("id", flat=True).first()
    # 20 campaigns started over November, 500 recipients each (10,000), reached a minute after
    # the start; a sale and an appointment for one person in 5 and 7, within or after 30 days.
    with scopes_disabled():
        template = MessageTemplate.objects.create(
            company=company, name="Promo", body="Hi {{1}}", status=TemplateStatus.APPROVED
        )
        campaign_ids = [
            Campaign.objects.create(
                company=company,
                name=f"Campaign {i}",
                template=template,
                status="completed",
                started_at=datetime(2026, 11, 1 + i, 9, tzinfo=company.tzinfo),
            ).pk
            for i in range(CAMPAIGNS)
        ]
        membership = SaleType.objects.get(key="membership")
    built_recipients = insert_series(
        CampaignRecipient,
        RECIPIENTS,
        {
            "company": str(company.pk),
            "campaign": f"{campaign_ids[0]} + g.i % {CAMPAIGNS}",
            "person": f"{person0} + g.i",
            "state": "(ARRAY['excluded','queued','sent','delivered','read','read','failed',"
            "'not_sent','delivered','read'])[1 + g.i % 10]",
            "error_code": "CASE WHEN g.i % 20 = 6 THEN '63049' WHEN g.i % 10 = 6 THEN '63016'"
            " ELSE '' END",
            "sent_at": "CASE WHEN g.i % 10 IN (2, 3, 4, 5, 8, 9) THEN timestamptz '2026-11-01"
            " 09:01-05' + (g.i % 20) * interval '1 day' END",
        },
    )
    insert_series(
        Sale,
        PEOPLE // 5,
        {
            "company": str(company.pk),
            "person": f"{person0} + g.i * 5",
            "sale_type": str(membership.pk),
            "won_at": "timestamptz '2026-11-05 12:00-05' + (g.i % 60) * interval '1 day'",
            "created_at": "now()",
        },
    )
    insert_series(
        Appointment,
        PEOPLE // 7,
        {
            "company": str(company.pk),
            "person": f"{person0} + g.i * 7",
            "starts_at": "timestamptz '2026-11-20 12:00-05' + (g.i % 40) * interval '1 day'",
            "booked_at": "timestamptz '2026-11-03 12:00-05' + (g.i % 50) * interval '1 day'",
            "created_at": "now()",
        },
    )
    print(
        f"command: .venv/bin/python bench/reports_bench.py --requests {args.requests}"
        f" --steps {args.steps}"
    )
    print(
        f"{PEOPLE:,} people in {built:.1f} s; {CLUBS} clubs, {USERS + 1} users; {CAMPAIGNS}"
        f" campaigns with {RECIPIENTS:,} recipients in {built_recipients:.1f} s;"
        f" {PEOPLE // 5:,} sales, {PEOPLE // 7:,} appointments"
    )

    writer_cost(company, person0, user0)

    client = Client()
    client.force_login(manager)
    reports = [
        ("Activity, 30 days", "/api/v1/reports/whatsapp-activity?from=2026-11-01&to=2026-11-30"),
        ("Activity, 365 days", "/api/v1/reports/whatsapp-activity?from=2025-12-01&to=2026-11-30"),
        (
            "Activity, 365 days, 1 club",
            f"/api/v1/reports/whatsapp-activity?from=2025-12-01&to=2026-11-30&club_id={club0}",
        ),
        ("Activity, all time", "/api/v1/reports/whatsapp-activity"),
        (
            "Activity CSV, 365 days",
            "/api/v1/reports/whatsapp-activity?from=2025-12-01&to=2026-11-30&format=csv",
        ),
        (
            "User Statistics, 365 days",
            "/api/v1/reports/user-statistics?from=2025-12-01&to=2026-11-30",
        ),
        (
            "User Statistics CSV, 365 days",
            "/api/v1/reports/user-statistics?from=2025-12-01&to=2026-11-30&format=csv",
        ),
        ("Activity page, 365 days", "/reports/activity/?from=2025-12-01&to=2026-11-30"),
        ("Bulk WhatsApp, 20 campaigns", "/api/v1/reports/bulk-whatsapp"),
        ("Bulk WhatsApp CSV", "/api/v1/reports/bulk-whatsapp?format=csv"),
        (
            "Bucket: replied (500 recipients)",
            f"/api/v1/reports/bulk-whatsapp/{campaign_ids[4]}/people?bucket=replied",
        ),
        (
            "Bucket: read, not replied",
            f"/api/v1/reports/bulk-whatsapp/{campaign_ids[4]}/people?bucket=read&without=replied",
        ),
        (
            "Bucket CSV: attempted",
            f"/api/v1/reports/bulk-whatsapp/{campaign_ids[4]}/people?bucket=attempted&format=csv",
        ),
        ("Bulk campaign page", f"/reports/bulk-whatsapp/{campaign_ids[4]}/"),
    ]

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)
        return response

    results: dict[str, dict[int, tuple]] = {name: {} for name, _ in reports}
    have = 0
    for step in steps:
        add = step - have
        # Messages over the year before 1 Dec 2026 (New York); 3 in 4 outbound, 1 in 10 never
        # sent, two thirds of the outbound ones by a user; all through the counters' triggers.
        took = insert_series(
            Message,
            add,
            {
                "company": str(company.pk),
                "person": f"{person0} + ((g.i::bigint + {have}) * 7919 % {PEOPLE})",
                "direction": "CASE WHEN g.i % 4 = 0 THEN 'inbound' ELSE 'outbound' END",
                "status": "CASE WHEN g.i % 4 = 0 THEN 'received' WHEN g.i % 10 = 1 THEN 'not_sent'"
                " WHEN g.i % 10 = 3 THEN 'failed' ELSE 'delivered' END",
                "sent_by": f"CASE WHEN g.i % 4 <> 0 AND g.i % 3 <> 0 THEN {user0} + g.i % {USERS} END",
                "body": "'Bench message'",
                "created_at": "timestamptz '2026-12-01 00:00-05' - "
                f"((g.i::bigint + {have}) % ({DAYS} * 1440)) * interval '1 minute' - interval '1 second'",
                "updated_at": "now()",
            },
        )
        fold_began = time.perf_counter()
        fold_deltas()
        folded = time.perf_counter() - fold_began
        have = step
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM reporting_messagedaycount")
            counter_rows = cursor.fetchone()[0]
        with scopes_disabled():
            total = Message.objects.filter(company=company).count()
        print(
            f"\n{total:,} messages: +{add:,} inserted in {took:.1f} s through the triggers"
            f" ({add / took:,.0f} rows/s), folded in {folded:.2f} s; {counter_rows:,} counter rows"
        )
        if args.explain:
            explain_bulk(company, campaign_ids)
        print(f"{'report':>32} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, url in reports:
            for _ in range(3):
                get(url)
            executed = []
            with connection.execute_wrapper(
                lambda run, sql, *rest: executed.append(sql) or run(sql, *rest)
            ):
                get(url)
            times = []
            for _ in range(args.requests):
                began = time.perf_counter()
                get(url)
                times.append((time.perf_counter() - began) * 1000)
            p50, p95 = pct(times, 50), pct(times, 95)
            results[name][step] = (p50, p95)
            print(f"{name:>32} {len(executed):>8} {p50:>8.1f} {p95:>8.1f} {max(times):>8.1f}")

    if len(steps) > 1:
        low, high = steps[0], steps[-1]
        print(f"\ngrowth of p50 from {low:,} to {high:,} messages ({high / low:.0f}x the data):")
        for name, _ in reports:
            print(f"{name:>32} {results[name][high][0] / results[name][low][0]:>6.2f}x")
    worst = max(p95 for by_step in results.values() for _, p95 in by_step.values())
    print(
        f"\nworst p95: {worst:.1f} ms; every report p95 <= 1 s: {'yes' if worst <= 1000 else 'NO'}"
    )


def writer_cost(company, person0: int, user0: int, count: int = 2000) -> None:
    """What the counters cost a writer: single-row INSERTs (one per transaction, as a send or an
    inbound message is) with the triggers on and off, then a status change (sent → delivered,
    which the WHEN clause skips) and one to not_sent (a -1 delta)."""
    from django.db import connection

    from reporting.counters import reconcile

    insert = (
        "INSERT INTO whatsapp_message (company_id, person_id, direction, body, content_variables,"
        " status, error_code, error_message, media, profile_name, button_payload, to_number,"
        " from_number, origin, business_initiated, template_edited, send_attempts,"
        " limited_by_meta, referral, created_at, updated_at, sent_by_id)"
        " VALUES (%s, %s, 'outbound', 'x', '{}', 'sent', '', '', '[]', '', '', '', '', 'direct',"
        " false, false, 0, false, '{}', now(), now(), %s) RETURNING id"
    )
    timings = {}
    ids = []
    with connection.cursor() as cursor:
        for label in ("on", "off"):
            if label == "off":
                cursor.execute("ALTER TABLE whatsapp_message DISABLE TRIGGER USER")
            began = time.perf_counter()
            for i in range(count):
                cursor.execute(insert, [company.pk, person0 + i, user0])
                ids.append(cursor.fetchone()[0])
            timings[label] = (time.perf_counter() - began) / count * 1e6
            if label == "off":
                cursor.execute("ALTER TABLE whatsapp_message ENABLE TRIGGER USER")
        began = time.perf_counter()
        for pk in ids[:count]:
            cursor.execute("UPDATE whatsapp_message SET status = 'delivered' WHERE id = %s", [pk])
        delivered = (time.perf_counter() - began) / count * 1e6
        began = time.perf_counter()
        for pk in ids[:count]:
            cursor.execute("UPDATE whatsapp_message SET status = 'not_sent' WHERE id = %s", [pk])
        not_sent = (time.perf_counter() - began) / count * 1e6
        cursor.execute("DELETE FROM whatsapp_message WHERE id = ANY(%s)", [ids])
    reconcile(company.pk)  # the rows inserted with the triggers off were never counted
    print(
        f"writer cost, {count:,} single-row statements each: INSERT {timings['on']:.0f} µs with the"
        f" counters' triggers, {timings['off']:.0f} µs without; status sent → delivered"
        f" {delivered:.0f} µs (skipped by WHEN), → not_sent {not_sent:.0f} µs (a -1 delta)"
    )


def explain_bulk(company, campaign_ids) -> None:
    from django.db import connection
    from django_scopes import scopes_disabled

    from reporting import bulk
    from reporting.filters import ReportFilters

    with scopes_disabled():
        captured = []
        with connection.execute_wrapper(
            lambda run, sql, params, *rest: (
                captured.append((sql, params)) or run(sql, params, *rest)
            )
        ):
            bulk.bucket_counts(ReportFilters(company=company), campaign_ids)
    sql, params = captured[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\n".join(row[0] for row in cursor.fetchall()))


def pct(values, p):
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


if __name__ == "__main__":
    main()
