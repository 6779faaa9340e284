"""The dispatch engine through real workers, PostgreSQL and Redis, against a local Twilio
stand-in over HTTP: everyone exactly once, pause/resume/stop within 2 s, the company's messages
per second, the messaging limit at send time, retry of temporary failures only, counts that
follow callbacks and replies, and a SIGKILLed worker that loses and doubles nobody."""

from __future__ import annotations

import bisect
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from automations.campaigns import dispatch, pacing, selectors, services
from automations.models import Campaign, CampaignRecipient
from tests.campaigns.conftest import make_campaign, make_people
from tests.waits import wait_for
from whatsapp.models import Direction, Message, MessageStatus

ROOT = Path(__file__).resolve().parents[2]


def status_of(campaign) -> str:
    return Campaign.objects.values_list("status", flat=True).get(pk=campaign.pk)


def counts(campaign) -> dict:
    return selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))["counts"]


def start(campaign) -> None:
    services.campaign_act(campaign=campaign, action="start")


@pytest.mark.worker
def test_a_worker_sends_everyone_exactly_once(
    campaign_worker, standin, company, club, whatsapp_on, template, admin_user
):
    people = make_people(company, club, 300)
    people[0].whatsapp_opted_out = True
    people[0].save()
    campaign = make_campaign(company, template, admin_user)

    start(campaign)
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=90)

    sent = standin.per_recipient()
    assert len(sent) == 299
    assert set(sent.values()) == {1}
    assert f"whatsapp:{people[0].phone_mobile}" not in sent
    recipients = CampaignRecipient.objects.filter(campaign=campaign).exclude(state="excluded")
    assert recipients.filter(sent_at__isnull=False, message__sid__isnull=False).count() == 299
    sids = {m["sid"] for m in standin.messages}
    assert set(recipients.values_list("message__sid", flat=True)) == sids
    # The Content template and each person's variables went to Twilio.
    first = next(m for m in standin.messages if m["to"] == f"whatsapp:{people[1].phone_mobile}")
    assert first["content_sid"] == template.content_sid
    assert '"1": "P1"' in first["content_variables"]
    c = counts(campaign)
    assert c["total"] == 299
    assert c["sending"] == 299  # accepted by Twilio, awaiting its callbacks
    assert c["excluded"]["opted_out"] == 1
    assert Campaign.objects.get(pk=campaign.pk).finished_at is not None


@pytest.mark.worker
def test_pause_resume_and_stop_take_effect_within_two_seconds(
    campaign_worker, standin, company, club, whatsapp_on, template, admin_user
):
    whatsapp_on.max_messages_per_second = 100
    whatsapp_on.save()
    make_people(company, club, 3000)
    campaign = make_campaign(company, template, admin_user)
    start(campaign)
    assert wait_for(lambda: standin.count() >= 100, timeout=60)

    services.campaign_act(campaign=campaign, action="pause")
    paused_at = time.monotonic()
    settled = _wait_until_quiet(standin, quiet_for=1.0, timeout=10)
    assert settled - paused_at <= 2.0, f"sends went on {settled - paused_at:.2f}s after pause"
    assert status_of(campaign) == "paused"
    at_pause = standin.count()

    services.campaign_act(campaign=campaign, action="resume")
    assert wait_for(lambda: standin.count() >= at_pause + 50, timeout=30)

    services.campaign_act(campaign=campaign, action="stop")
    stopped_at = time.monotonic()
    settled = _wait_until_quiet(standin, quiet_for=1.0, timeout=10)
    assert settled - stopped_at <= 2.0
    assert status_of(campaign) == "stopped"
    assert standin.count() < 3000
    assert set(standin.per_recipient().values()) == {1}
    # Nobody is left claimed: each recipient was either accepted or is still queued.
    assert not CampaignRecipient.objects.filter(
        campaign=campaign, state="sending", sent_at__isnull=True
    ).exists()


def _wait_until_quiet(standin, *, quiet_for: float, timeout: float) -> float:
    """The monotonic time of the last request, once none arrived for `quiet_for` seconds."""
    deadline = time.monotonic() + timeout
    last_count, last_change = standin.count(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now_count = standin.count()
        if now_count != last_count:
            last_count, last_change = now_count, time.monotonic()
        elif time.monotonic() - last_change >= quiet_for:
            return last_change
    raise AssertionError("sending did not stop")


@pytest.mark.worker
def test_the_companys_messages_per_second_hold(
    transactional_db, standin, company, club, whatsapp_on, template
):
    whatsapp_on.max_messages_per_second = 50
    whatsapp_on.save()
    make_people(company, club, 150)
    campaign = make_campaign(company, template)
    start(campaign)
    began = time.monotonic()
    while dispatch.run_slice(campaign.pk, seconds=30).outcome == "more":
        pass
    took = time.monotonic() - began
    assert standin.count() == 150
    # 150 at 50/s with a 10-message burst: at least (150 - 10) / 50 = 2.8 s.
    assert took >= 2.6, took


@pytest.mark.worker
def test_two_workers_share_the_companys_messages_per_second(
    transactional_db, standin, company, club, whatsapp_on, template
):
    """Workers take the company's tokens in blocks from one Redis bucket: two processes sending
    the same campaign together stay within its rate (each alone would be allowed all of it)."""
    rate = 40
    whatsapp_on.max_messages_per_second = rate
    whatsapp_on.save()
    make_people(company, club, 240)
    campaign = make_campaign(company, template)
    start(campaign)
    workers = [_dispatcher(campaign, standin, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()

    sent = standin.per_recipient()
    assert len(sent) == 240 and set(sent.values()) == {1}
    each = [sum(int(line.split()[1]) for line in out.splitlines()) for out in outputs]
    assert sum(each) == 240 and min(each) > 0, f"both workers sent: {each}"
    arrivals = sorted(standin.arrivals.values())
    burst = pacing.burst_for(rate)
    busiest = max(bisect.bisect_left(arrivals, t + 1.0) - i for i, t in enumerate(arrivals))
    # Within one second: the rate plus one burst, and a burst more for the HTTP requests' own
    # spread; two buckets (one per worker) would let about twice the rate through.
    assert busiest <= rate + 2 * burst, f"{busiest} requests in one second"
    assert arrivals[-1] - arrivals[0] >= (240 - burst) / rate - 0.5


@pytest.mark.worker
def test_the_messaging_limit_is_checked_again_at_send_time(
    transactional_db, standin, company, club, whatsapp_on, template
):
    make_people(company, club, 20)
    campaign = make_campaign(company, template)
    services.campaign_fan_out(campaign_id=campaign.pk)  # unlimited then: all 20 queued
    whatsapp_on.messaging_limit = 250
    whatsapp_on.save()
    others = make_people(company, club, 245, start=1000)
    Message.objects.bulk_create(
        Message(
            company=company,
            person=p,
            direction=Direction.OUTBOUND,
            status=MessageStatus.DELIVERED,
            business_initiated=True,
        )
        for p in others
    )
    start(campaign)
    while dispatch.run_slice(campaign.pk, seconds=30).outcome == "more":
        pass
    assert standin.count() == 5
    not_sent = CampaignRecipient.objects.filter(campaign=campaign, state="not_sent")
    assert not_sent.count() == 15
    assert set(not_sent.values_list("reason", flat=True)) == {"limit_reached"}
    assert counts(campaign)["not_sent"] == 15


@pytest.mark.worker
def test_retry_failed_resends_only_temporary_failures(
    transactional_db, standin, company, club, whatsapp_on, template
):
    people = make_people(company, club, 6)
    campaign = make_campaign(company, template)
    start(campaign)
    while dispatch.run_slice(campaign.pk, seconds=30).outcome == "more":
        pass
    assert standin.count() == 6
    now = timezone.now()
    codes = ["63003", "63024", "63049", "63049", "63010", ""]
    for person, code in zip(people, codes, strict=True):
        recipient = CampaignRecipient.objects.get(campaign=campaign, person=person)
        services.recipients_follow_status(
            message_ids=[recipient.message_id], status="failed", error_code=code
        )
    old = CampaignRecipient.objects.get(campaign=campaign, person=people[3])
    CampaignRecipient.objects.filter(pk=old.pk).update(failed_at=now - timedelta(hours=25))
    c = counts(campaign)
    assert c["failed"] == 4
    assert c["limited_by_meta"] == 2

    services.campaign_act(campaign=campaign, action="retry-failed")
    assert counts(campaign)["retrying"] == 3
    assert status_of(campaign) == "running"
    while dispatch.run_slice(campaign.pk, seconds=30).outcome == "more":
        pass

    again = standin.per_recipient()
    resent = {p.phone_mobile for p in people if again[f"whatsapp:{p.phone_mobile}"] == 2}
    assert resent == {people[3].phone_mobile, people[4].phone_mobile, people[5].phone_mobile}
    assert status_of(campaign) == "completed"
    with pytest.raises(Exception, match="no temporarily failed"):
        services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="retry-failed")


@pytest.mark.worker
def test_counts_follow_status_callbacks_replies_and_stop(
    transactional_db, standin, company, club, whatsapp_on, template
):
    from whatsapp.providers.events import InboundEvent, StatusEvent
    from whatsapp.services import inbound_record, message_status_apply

    people = make_people(company, club, 5)
    campaign = make_campaign(company, template)
    start(campaign)
    while dispatch.run_slice(campaign.pk, seconds=30).outcome == "more":
        pass
    by_person = {r.person_id: r for r in CampaignRecipient.objects.filter(campaign=campaign)}

    def callback(person, status, code=""):
        message_status_apply(
            event=StatusEvent(
                account=whatsapp_on.twilio_account_sid,
                sid=by_person[person.pk].message.sid,
                status=status,
                error_code=code,
            )
        )

    for person in people[:4]:
        callback(person, "sent")
    callback(people[1], "delivered")
    callback(people[2], "read")
    callback(people[2], "delivered")  # late and out of order: changes nothing
    callback(people[3], "undelivered", "63049")
    callback(people[4], "failed", "63024")

    def inbound(person, body):
        with transaction.atomic():  # as the webhook drain calls it
            _inbound(person, body)

    def _inbound(person, body):
        inbound_record(
            event=InboundEvent(
                account=whatsapp_on.twilio_account_sid,
                sid="SM" + os.urandom(16).hex(),
                to_number=whatsapp_on.sender_number,
                from_number=person.phone_mobile,
                body=body,
            )
        )

    inbound(people[1], "Yes please!")
    inbound(people[2], "STOP")

    c = counts(campaign)
    assert (c["sent"], c["delivered"], c["read"]) == (1, 1, 1)
    assert (c["failed"], c["limited_by_meta"]) == (1, 1)
    assert c["replied"] == 2  # the STOP is a reply too
    assert c["opted_out"] == 1
    recipient = CampaignRecipient.objects.get(campaign=campaign, person=people[2])
    assert recipient.state == "read"


@pytest.mark.worker
def test_a_sigkilled_worker_loses_and_doubles_nobody(
    transactional_db, standin, company, club, whatsapp_on, template, settings, tmp_path
):
    standin.delay = 0.05
    whatsapp_on.max_messages_per_second = 150
    whatsapp_on.save()
    make_people(company, club, 600)
    campaign = make_campaign(company, template)
    start(campaign)
    log = tmp_path / "worker.log"  # a file: a pipe nobody reads would block a chatty worker
    with log.open("w") as output:
        worker = _dispatcher(
            campaign,
            standin,
            {"CAMPAIGN_LEASE_SECONDS": "3", "CAMPAIGN_CONCURRENCY": "100"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        started = wait_for(lambda: standin.count() >= 150, timeout=120)
        assert started, f"the worker sent {standin.count()}; its output:\n{log.read_text()}"
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    killed_at = standin.count()
    assert killed_at < 600, "the worker finished before it could be killed"
    claimed = CampaignRecipient.objects.filter(
        campaign=campaign, state="sending", sent_at__isnull=True
    ).count()

    settings.CAMPAIGN_LEASE_SECONDS = 3
    assert _send_the_rest(campaign) == "done"

    sent = standin.per_recipient()
    assert len(sent) == 600, f"{600 - len(sent)} lost"
    assert set(sent.values()) == {1}, "someone was sent twice"
    recipients = CampaignRecipient.objects.filter(campaign=campaign)
    assert recipients.filter(sent_at__isnull=False).count() == 600
    assert set(recipients.values_list("message__sid", flat=True)) == {
        m["sid"] for m in standin.messages
    }
    assert status_of(campaign) == "completed"
    print(f"killed after {killed_at} sends with {claimed} claims open")


def _send_the_rest(campaign, timeout: float = 120) -> str:
    """Slices in this process until the campaign is done. The dead worker's claims are reconciled
    once their lease has run out, and so are this process's own if an answer was lost on a loaded
    machine (a slice then ends `waiting`): wait for those leases, not for a fixed time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _wait_for_open_leases(campaign)
        outcome = dispatch.run_slice(campaign.pk, seconds=60).outcome
        if outcome not in ("more", "waiting"):
            return outcome
    return "timed out"


def _wait_for_open_leases(campaign) -> None:
    def none_open():
        return not CampaignRecipient.objects.filter(
            campaign=campaign,
            state="sending",
            sent_at__isnull=True,
            lease_until__gte=timezone.now(),
        ).exists()

    assert wait_for(none_open, timeout=30, interval=0.1)


def _dispatcher(campaign, standin, settings: dict | None = None, **popen) -> subprocess.Popen:
    """A worker process sending the campaign (`manage.py campaign_dispatch`) to the stand-in."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WHATSAPP_BACKEND": "twilio",
        "TWILIO_API_BASE": standin.base_url,
        **(settings or {}),
    }
    command = [sys.executable, "manage.py", "campaign_dispatch", str(campaign.pk)]
    return subprocess.Popen(command, cwd=ROOT, env=env, **popen)


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
