"""Shared by the benchmarks: a bench database, free ports, starting and stopping processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


def read_env() -> dict:
    values = {}
    env_file = ROOT / ".env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip()
    return values


def bench_environment() -> dict:
    """Environment for every process of a run: bench settings and a separate bench database."""
    base = {
        **read_env(),
        **{k: v for k, v in os.environ.items() if k in ("DATABASE_URL", "REDIS_URL")},
    }
    db = base.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gymsales")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": db.rsplit("/", 1)[0] + "/" + db.rsplit("/", 1)[1].split("?")[0] + "_bench",
        "REDIS_URL": base.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "PYTHONPATH": str(ROOT),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only",
        # Production settings require encryption keys for the Twilio tokens: one per run.
        "SECRETS_ENCRYPTION_KEYS": os.environ.get("SECRETS_ENCRYPTION_KEYS")
        or Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": "https://bench.gymsales.example",
        "LOG_LEVEL": "WARNING",
    }
    return env


def prepare_database(env: dict) -> None:
    url = env["DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    exists = subprocess.run(
        ["psql", server + "/postgres", "-tAc", f"select 1 from pg_database where datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["psql", server + "/postgres", "-c", f'create database "{name}"'],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
    )


def setup_django(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def celery_worker(
    env: dict,
    log: Path,
    *,
    name: str,
    pool: str = "threads",
    concurrency: int = 1,
    queue: str | None = None,
    extra: tuple[str, ...] = (),
) -> subprocess.Popen:
    """A Celery worker of the project (`name@host`), logging warnings and errors to `log`."""
    cmd = [str(VENV_BIN / "celery"), "-A", "gymsales", "worker", "-n", f"{name}@%h"]
    cmd += ["-P", pool, "-c", str(concurrency), "--loglevel=WARNING", *extra]
    if queue:
        cmd += ["-Q", queue]
    return start(cmd, env, log)


@contextmanager
def django_test_database(suffix: str):
    """Django set up in this process on a fresh database (`<DATABASE name>_<suffix>`, migrated,
    dropped on exit), with plain static URLs (no collectstatic) and any host allowed."""
    # Production settings require encryption keys for the Twilio tokens: one per run.
    os.environ.setdefault("SECRETS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    db["TEST"] = {"NAME": f"{db['NAME']}_{suffix}"}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    django.setup()
    settings.ALLOWED_HOSTS = ["*"]

    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        yield
    finally:
        connection.close()
        connection.creation.destroy_test_db(db["TEST"]["NAME"], verbosity=0)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def gunicorn(
    env: dict, port: int, log: Path, workers: int = 2, worker_class: str = "sync", threads: int = 1
) -> subprocess.Popen:
    proc = start(
        [
            str(VENV_BIN / "gunicorn"),
            "gymsales.wsgi:application",
            "-w",
            str(workers),
            "-k",
            worker_class,
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env,
        log,
    )
    wait_port(port)
    return proc


def granian(
    env: dict, port: int, log: Path, workers: int = 2, threads: int = 8
) -> subprocess.Popen:
    """granian serving the WSGI application: WORKERS processes, THREADS blocking threads each."""
    proc = start(
        [
            str(VENV_BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--no-ws",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "gymsales.wsgi:application",
        ],
        env,
        log,
    )
    wait_port(port)
    return proc


def parse_wrk(output: str) -> dict:
    result = {"rps": 0.0, "p99_ms": None, "non2xx": 0, "requests": 0, "errors": 0}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        elif line.strip().startswith("99%"):
            result["p99_ms"] = _ms(parts[1])
        elif "Non-2xx or 3xx responses:" in line:
            result["non2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors:"):
            # connect/read/write/timeout: requests wrk gave up on (not in its rps or latency)
            result["errors"] = sum(int(p.strip(",")) for p in parts[2::2])
        elif "requests in" in line:
            result["requests"] = int(parts[0])
    return result


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def bench_company(*, name: str, account_sid: str, auth_token: str, sender: str):
    """A company with WhatsApp enabled, unthrottled, one club and one person, its previous run's
    campaigns, messages and notes removed: (company, person). Call with Django set up."""
    from django.db import connection

    from gymsales import services as crm
    from gymsales.models import Company, Person
    from gymsales.tenancy import all_companies
    from whatsapp.models import WhatsAppSettings

    with all_companies():
        company = Company.objects.filter(name=name).first()
        if company is None:
            company = crm.company_create(name=name)
            crm.club_create(company=company, name="Bench Club")
        WhatsAppSettings.objects.filter(company=company).update(
            enabled=True,
            twilio_account_sid=account_sid,
            twilio_auth_token=auth_token,
            sender_number=sender,
            max_messages_per_second=100000,
            sends_held_until=None,
        )
        with connection.cursor() as cursor:
            # Campaigns first: their recipients point at the messages deleted below.
            cursor.execute(
                "DELETE FROM automations_campaignrecipient WHERE company_id = %s", [company.pk]
            )
            cursor.execute("DELETE FROM automations_campaign WHERE company_id = %s", [company.pk])
            cursor.execute(
                "DELETE FROM whatsapp_messagenote WHERE note_id IN"
                " (SELECT id FROM gymsales_note WHERE company_id = %s)",
                [company.pk],
            )
            cursor.execute("DELETE FROM gymsales_note WHERE company_id = %s", [company.pk])
            cursor.execute("DELETE FROM whatsapp_message WHERE company_id = %s", [company.pk])
        person = Person.objects.filter(company=company).first() or Person.objects.create(
            company=company,
            club=company.clubs.first(),
            first_name="Bench",
            last_name="Person",
            phone_mobile="+14155550001",
        )
    return company, person


def bench_template(company, *, name: str, content_sid: str):
    """The company's approved one-variable utility template `name` (made once). Call inside the
    company's scope."""
    from templates_app.models import MessageTemplate, TemplateStatus

    template, _ = MessageTemplate.objects.get_or_create(
        company=company,
        name=name,
        defaults={
            "category": "utility",
            "body": "Hi {{1}}, your offer is ready.",
            "variables": {"1": {"field": "first_name"}},
            "content_sid": content_sid,
            "status": TemplateStatus.APPROVED,
        },
    )
    return template


def dispatched_campaign(
    *,
    name: str,
    account_sid: str,
    auth_token: str,
    sender: str,
    recipients: int,
    phone_prefix: str,
    content_sid: str,
):
    """A running campaign of the bench company `name` to `recipients` people (topped up, phones
    `phone_prefix` + 7 digits), dispatched in this process through the configured backend (no
    messaging limit, old webhook events of the company removed): (company, campaign, SIDs)."""
    from automations.campaigns import dispatch, services
    from automations.models import Campaign, CampaignRecipient
    from gymsales.models import Person
    from gymsales.tenancy import all_companies, company_scope
    from whatsapp.models import WebhookEvent, WhatsAppSettings

    company, _ = bench_company(
        name=name, account_sid=account_sid, auth_token=auth_token, sender=sender
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
                    phone_mobile=f"{phone_prefix}{i:07d}",
                )
                for i in range(have, recipients)
            ],
            batch_size=5000,
        )
        template = bench_template(company, name=name, content_sid=content_sid)
        campaign = Campaign.objects.create(
            company=company, name=name, template=template, status="running"
        )
        services.campaign_fan_out(campaign_id=campaign.pk)
    while (
        dispatch.run_slice(campaign.pk, seconds=120, concurrency=500, batch=500).outcome == "more"
    ):
        pass
    with company_scope(company):
        sent = CampaignRecipient.objects.filter(campaign=campaign)
        return company, campaign, list(sent.values_list("message__sid", flat=True))
