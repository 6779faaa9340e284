"""PostgreSQL's CPU per status callback, to store it and to apply it, read from the backend's own
/proc CPU time (deterministic next to the whole-machine figures of campaign_callbacks.py, which
a busy shared machine makes noisy). Prints its figures.

    .venv/bin/python bench/callbacks_pg_cost.py [--recipients 5000] [--group 32]

On its own `<database>_bench` database: a campaign of RECIPIENTS people is dispatched in-process
(locmem backend), then for each of sent, delivered and read: every recipient's callback stored
GROUP rows per statement (what group commit does under load), then drained in batches of 500
(the worker's drain, campaign hooks included). It runs from the checkout it is started in, so
`bench/ab.py --base <sha> -- <this file's absolute path>` compares revisions that predate it.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
from bench import common

ACCOUNT_SID = "AC" + "7" * 32
SENDER = "+14155557777"


def backend_ticks() -> int:
    """CPU ticks (user + system) the Django connection's PostgreSQL backend has used."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def campaign_sids(recipients: int):
    """A running campaign of `recipients` people, dispatched: (company, campaign, their SIDs)."""
    return common.dispatched_campaign(
        name="Bench PG cost",
        account_sid=ACCOUNT_SID,
        auth_token="bench-pg-cost",
        sender=SENDER,
        recipients=recipients,
        phone_prefix="+1417",
        content_sid="HX" + "d" * 32,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--group", type=int, default=32)
    args = parser.parse_args()
    env = {**common.bench_environment(), "WHATSAPP_BACKEND": "locmem"}
    common.prepare_database(env)
    common.setup_django(env)

    from django.db import connection

    from automations.models import CampaignRecipient
    from gymsales.tenancy import company_scope
    from whatsapp.services import events, webhook_store

    company, campaign, sids = campaign_sids(args.recipients)
    hz = os.sysconf("SC_CLK_TCK")
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # no checkpoint's full-page writes left over from the set-up
    totals = {"store": [0, 0.0], "drain": [0, 0.0]}
    for status in ("sent", "delivered", "read"):
        rows = [
            webhook_store.webhook_event_row(
                kind="status",
                params={
                    "AccountSid": ACCOUNT_SID,
                    "MessageSid": sid,
                    "SmsSid": sid,
                    "MessageStatus": status,
                    "SmsStatus": status,
                    "From": f"whatsapp:{SENDER}",
                    "ApiVersion": "2010-04-01",
                    "ChannelPrefix": "whatsapp",
                },
                company_id=company.pk,
            )
            for sid in sids
        ]
        stored_at = (backend_ticks(), time.process_time())
        for i in range(0, len(rows), args.group):
            webhook_store.webhook_events_store_many(rows[i : i + args.group])
        drained_at = (backend_ticks(), time.process_time())
        while events.webhook_events_drain(limit=500):
            pass
        done_at = (backend_ticks(), time.process_time())
        for phase, (before, after) in (
            ("store", (stored_at, drained_at)),
            ("drain", (drained_at, done_at)),
        ):
            totals[phase][0] += after[0] - before[0]
            totals[phase][1] += after[1] - before[1]
    callbacks = 3 * len(sids)
    with company_scope(company):
        read = CampaignRecipient.objects.filter(campaign=campaign, state="read").count()
    print(f"{callbacks} callbacks, stored {args.group} a statement: {read} of {len(sids)} read")
    for phase, (ticks, python) in totals.items():
        print(
            f"{phase}: postgres {1e6 * ticks / hz / callbacks:.0f} us/callback,"
            f" python {1e6 * python / callbacks:.0f} us/callback"
        )
    print(
        f"command: .venv/bin/python bench/callbacks_pg_cost.py --recipients {args.recipients}"
        f" --group {args.group}"
    )


if __name__ == "__main__":
    main()
