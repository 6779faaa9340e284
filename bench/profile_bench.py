"""Client Profile benchmark: p50/p95 with 10,000 messages in the history, and the query count with
1 and with 10,000 messages (target: equal counts, p95 <= 100 ms).

Run from the checkout:  .venv/bin/python bench/profile_bench.py [--requests 200]

It builds a throw-away database (<your database>_profile_bench), measures through Django's test
client (the whole middleware stack, templates included; no network), prints the figures, drops it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gymsales.settings")
os.environ.setdefault("WHATSAPP_BACKEND", "locmem")
# Measure as production runs: DEBUG off (no query log, cached templates).
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "x" * 40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per profile")
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()

    from bench import common

    with common.django_test_database("profile_bench"):
        run(args)


def run(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from gymsales.models import Club, Company, Note, NoteKind, Person, Role, SaleType, User
    from whatsapp.models import Direction, Message, MessageStatus, WhatsAppSettings

    with scopes_disabled():
        company = Company.objects.create(name="Bench Gyms", time_zone="Europe/London")
        club = Club.objects.create(company=company, name="Bench Central")
        WhatsAppSettings.objects.update_or_create(
            company=company, defaults={"enabled": True, "sender_number": "+14155238886"}
        )
        user = User.objects.create_user(
            "bench@example.test", "bench-pass", company=company, club=club, role=Role.SALES
        )
        membership = SaleType.objects.order_by("id").first()
        small = Person.objects.create(
            company=company, club=club, first_name="One", phone_mobile="+447911100001"
        )
        large = Person.objects.create(
            company=company, club=club, first_name="Many", phone_mobile="+447911100002"
        )
        start = timezone.now() - timedelta(days=60)

        def messages(person, count):
            return [
                Message(
                    company=company,
                    person=person,
                    direction=Direction.OUTBOUND if i % 3 else Direction.INBOUND,
                    status=MessageStatus.DELIVERED if i % 3 else MessageStatus.RECEIVED,
                    body=f"Bench message {i} " + "lorem ipsum " * 8,
                    sale_type=membership,
                    created_at=start + timedelta(seconds=i * 5),
                )
                for i in range(count)
            ]

        Message.objects.bulk_create(messages(small, 1), batch_size=2000)
        Message.objects.bulk_create(messages(large, args.messages), batch_size=2000)
        Note.objects.bulk_create(
            Note(
                company=company,
                club=club,
                person=large,
                kind=NoteKind.WHATSAPP_ERROR,
                text=f"WhatsApp message to Many failed: error {i}",
                created_at=start + timedelta(seconds=i * 50 + 2),
            )
            for i in range(args.messages // 10)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    client = Client()
    client.force_login(user)

    def get(person):
        response = client.get(f"/people/{person.pk}/")
        assert response.status_code == 200, response.status_code
        return response

    def queries(person) -> int:
        with CaptureQueriesContext(connection) as captured:
            get(person)
        return len(captured.captured_queries)

    def timings(person) -> list[float]:
        for _ in range(10):
            get(person)
        out = []
        for _ in range(args.requests):
            began = time.perf_counter()
            get(person)
            out.append((time.perf_counter() - began) * 1000)
        return out

    q_small, q_large = queries(small), queries(large)
    t_small, t_large = timings(small), timings(large)

    def pct(values, p):
        return statistics.quantiles(values, n=100, method="inclusive")[p - 1]

    print(
        f"command: .venv/bin/python bench/profile_bench.py --requests {args.requests}"
        f" --messages {args.messages}"
    )
    print(f"Client Profile (/people/<id>/), {args.requests} timed requests each, test client")
    print(f"{'history':>28} {'queries':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for label, q, t in (
        ("1 message", q_small, t_small),
        (f"{args.messages:,} messages + {args.messages // 10:,} notes", q_large, t_large),
    ):
        print(f"{label:>28} {q:>8} {pct(t, 50):>8.1f} {pct(t, 95):>8.1f}")
    print(
        f"equal query counts: {'yes' if q_small == q_large else 'NO'}; "
        f"p95 with {args.messages:,} <= 100 ms: {'yes' if pct(t_large, 95) <= 100 else 'NO'}; "
        f"p50 ratio large/small: {pct(t_large, 50) / pct(t_small, 50):.2f}"
    )


if __name__ == "__main__":
    main()
