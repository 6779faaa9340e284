"""Benchmark: campaign counts keep up with Twilio's status callbacks. Prints its figures and the
command.

    .venv/bin/python bench/campaign_callbacks.py [--recipients 10000] [--concurrency 64]

On its own `<database>_bench` database: a campaign of RECIPIENTS people is dispatched in-process
(locmem backend: every recipient gets a Message with a SID), then a local poster plays Twilio:
signed `sent`, `delivered` and `read` callbacks for every message (3 × RECIPIENTS) POSTed to our
real webhook endpoint (gunicorn, gthread 2×8, as in production) while one Celery worker applies
them. Figures: callbacks applied per second (first POST → every recipient `read`), and how long
the campaign's counts took to settle after the last callback was answered.
"""

from __future__ import annotations

import argparse
import asyncio
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


def post_all(url: str, public_url: str, sids: list[str], concurrency: int) -> float:
    """POST sent, delivered, read for every SID (in that order per round); returns seconds."""
    import aiohttp
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
            bodies.append((params, validator.compute_signature(public_url, params)))

    async def run():
        failures = 0
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            items = iter(bodies)

            async def worker():
                nonlocal failures
                for params, signature in items:
                    async with session.post(
                        url, data=params, headers={"X-Twilio-Signature": signature}
                    ) as response:
                        await response.read()
                        failures += response.status != 200

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.perf_counter() - started, failures

    took, failures = asyncio.run(run())
    if failures:
        print(f"warning: {failures} callbacks were not answered 200")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()

    env = {**common.bench_environment(), "WHATSAPP_BACKEND": "locmem"}
    common.prepare_database(env)
    common.setup_django(env)

    from automations.campaigns import dispatch, selectors, services
    from automations.models import Campaign, CampaignRecipient
    from gymsales.models import Person
    from gymsales.tenancy import all_companies, company_scope
    from whatsapp.models import WebhookEvent, WhatsAppSettings

    company, _ = common.bench_company(
        name="Bench Callbacks", account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, sender=SENDER
    )
    with all_companies():
        WhatsAppSettings.objects.filter(company=company).update(messaging_limit=None)
        WebhookEvent.objects.filter(company=company).delete()
    with company_scope(company):
        have = Person.objects.filter(company=company).count()
        club = company.clubs.first()
        Person.objects.bulk_create(
            [
                Person(
                    company=company,
                    club=club,
                    first_name=f"C{i}",
                    phone_mobile=f"+1416{i:07d}",
                )
                for i in range(have, args.recipients)
            ],
            batch_size=5000,
        )
        template = common.bench_template(
            company, name="Bench callbacks", content_sid="HX" + "c" * 32
        )
        campaign = Campaign.objects.create(
            company=company, name="Bench callbacks", template=template, status="running"
        )
        services.campaign_fan_out(campaign_id=campaign.pk)
    while (
        dispatch.run_slice(campaign.pk, seconds=120, concurrency=500, batch=500).outcome == "more"
    ):
        pass
    with company_scope(company):
        recipients = CampaignRecipient.objects.filter(campaign=campaign)
        sids = list(recipients.values_list("message__sid", flat=True))
        total = len(sids)

    logs = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    port = common.free_port()
    web = common.gunicorn(env, port, logs / "web.log", workers=2, worker_class="gthread", threads=8)
    worker = common.start(
        [
            str(common.VENV_BIN / "celery"),
            "-A",
            "gymsales",
            "worker",
            "-Q",
            "celery",
            "-n",
            "callbacks-bench@%h",
            "-c",
            "1",
            "-P",
            "solo",
            "--loglevel=WARNING",
        ],
        env,
        logs / "worker.log",
    )
    try:
        time.sleep(4)
        started = time.perf_counter()
        posting = post_all(
            f"http://127.0.0.1:{port}{STATUS_PATH}",
            env["PUBLIC_BASE_URL"] + STATUS_PATH,
            sids,
            args.concurrency,
        )
        posted_at = time.perf_counter()
        with company_scope(company):
            while True:
                read = recipients.filter(state="read").count()
                if read == total:
                    break
                if time.perf_counter() - posted_at > 300:
                    raise SystemExit(f"only {read} of {total} read after 5 minutes")
                time.sleep(0.1)
            applied_at = time.perf_counter()
            counts = selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))
        callbacks = 3 * total
        print(
            f"{callbacks} signed callbacks POSTed in {posting:.1f} s ({callbacks / posting:.0f}/s)"
        )
        print(
            f"callbacks applied: {callbacks / (applied_at - started):.0f}/s (target >= 3000); "
            f"counts settled {applied_at - posted_at:.2f} s after the last callback (target <= 5 s)"
        )
        print(f"counts: read {counts['counts']['read']} of {counts['counts']['total']}")
        print(
            f"command: .venv/bin/python bench/campaign_callbacks.py --recipients {args.recipients} "
            f"--concurrency {args.concurrency}"
        )
    finally:
        common.stop(worker)
        common.stop(web)


if __name__ == "__main__":
    main()
