"""Campaign recipients follow what happens after the send, through real workers, Redis and
PostgreSQL, with Twilio played by the local stand-in and its callbacks POSTed signed to our real
webhook endpoint: an opt-out by staff or the people API counts as `opted_out` (API.md), a stop
ends the queued recipients `not_sent`, the page and the API read a start time in the club's time
zone, and whatsapp's automatic 63010 retry is followed by the recipient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from automations.campaigns import dispatch, selectors, services
from automations.campaigns.tasks import campaigns_tick
from automations.models import Campaign, CampaignRecipient
from gymsales.models import Club
from tests.campaigns.conftest import make_campaign, make_people
from tests.waits import wait_for
from whatsapp import webhooks
from whatsapp.models import Message, WhatsAppSettings
from whatsapp.services.accounts import accounts_changed
from whatsapp.services.recovery import sends_sweep

STATUS_PATH = "/webhooks/twilio/whatsapp/status"


def counts(campaign) -> dict:
    return selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))["counts"]


def status_of(campaign) -> str:
    return Campaign.objects.values_list("status", flat=True).get(pk=campaign.pk)


@pytest.fixture
def webhook_ready(settings, monkeypatch, whatsapp_on):
    settings.PUBLIC_BASE_URL = "https://gymsales.example"
    monkeypatch.setattr(webhooks, "KICK_INTERVAL_SECONDS", 0)
    accounts_changed()
    yield whatsapp_on
    accounts_changed()


def post_status(client, settings_row, sid: str, status: str, code: str = "") -> None:
    params = {
        "AccountSid": settings_row.twilio_account_sid,
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "From": f"whatsapp:{settings_row.sender_number}",
        "ApiVersion": "2010-04-01",
    }
    if code:
        params["ErrorCode"] = code
    signature = RequestValidator(settings_row.twilio_auth_token).compute_signature(
        django_settings.PUBLIC_BASE_URL + STATUS_PATH, params
    )
    response = client.post(STATUS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200


def sent_campaign(company, template, user, people_count, club):
    people = make_people(company, club, people_count)
    campaign = make_campaign(company, template, user)
    services.campaign_act(campaign=campaign, action="start")
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=60)
    return campaign, people


@pytest.mark.worker
def test_an_opt_out_by_staff_or_the_people_api_counts_as_opted_out(
    campaign_worker, standin, company, club, whatsapp_on, template, admin_user, api
):
    campaign, people = sent_campaign(company, template, admin_user, 4, club)
    late = make_people(company, club, 1, start=100)[0]  # never reached by the campaign
    client = api(admin_user)

    # Staff: the Client Profile's Opt-Out (its API twin), and the people API's flag.
    assert client.post(f"/api/v1/people/{people[0].pk}/whatsapp/opt-out").status_code < 300
    response = client.patch(
        f"/api/v1/people/{people[1].pk}", {"whatsapp_opted_out": True}, format="json"
    )
    assert response.status_code == 200, response.content
    response = client.patch(
        f"/api/v1/people/{late.pk}", {"whatsapp_opted_out": True}, format="json"
    )
    assert response.status_code == 200

    c = counts(campaign)
    assert c["opted_out"] == 2
    opted = CampaignRecipient.objects.filter(campaign=campaign, opted_out_at__isnull=False)
    assert set(opted.values_list("person_id", flat=True)) == {people[0].pk, people[1].pk}

    # Opted back in and out again: still one opt-out on this campaign; a plain edit adds nothing.
    for value in (False, True):
        client.patch(f"/api/v1/people/{people[1].pk}", {"whatsapp_opted_out": value}, format="json")
    client.patch(f"/api/v1/people/{people[2].pk}", {"first_name": "Renamed"}, format="json")
    assert counts(campaign)["opted_out"] == 2


@pytest.mark.worker
def test_an_opt_out_before_the_campaign_reached_them_does_not_count(
    campaign_worker, standin, company, club, whatsapp_on, template, admin_user, api
):
    campaign, people = sent_campaign(company, template, admin_user, 2, club)
    # Opted out, and a second campaign never reaches them (pre-flight excludes them).
    api(admin_user).post(f"/api/v1/people/{people[0].pk}/whatsapp/opt-out")
    second = make_campaign(company, template, admin_user, name="Second")
    services.campaign_act(campaign=second, action="start")
    assert wait_for(lambda: status_of(second) == "completed", timeout=60)
    assert counts(second)["opted_out"] == 0
    assert counts(second)["excluded"]["opted_out"] == 1
    assert counts(campaign)["opted_out"] == 1


@pytest.mark.worker
def test_a_stop_ends_queued_recipients_not_sent_with_counts_that_add_up(
    campaign_worker, standin, company, club, whatsapp_on, template, admin_user
):
    # 400 people at 40 a second: most are still queued when it stops.
    WhatsAppSettings.objects.filter(pk=whatsapp_on.pk).update(max_messages_per_second=40)
    campaign = make_campaign(company, template, admin_user)
    make_people(company, club, 400)
    services.campaign_act(campaign=campaign, action="start")
    assert wait_for(lambda: standin.count() >= 40, timeout=60)

    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="stop")
    recipients = CampaignRecipient.objects.filter(campaign=campaign)
    # Nobody waits any more: queued ones at once, claims in flight once their worker answers.
    assert not recipients.filter(state="queued").exists()
    assert wait_for(
        lambda: not recipients.filter(state="sending", sent_at__isnull=True).exists(), timeout=10
    )
    c = counts(campaign)
    assert (c["queued"], c["retrying"]) == (0, 0)
    stopped = recipients.filter(state="not_sent", reason="stopped").count()
    accepted = recipients.filter(sent_at__isnull=False).count()
    assert stopped > 0
    assert accepted == standin.count()
    assert c["not_sent"] == stopped
    assert c["total"] == 400 == accepted + stopped
    assert (
        sum(c[k] for k in ("queued", "retrying", "sending", "sent", "delivered", "read"))
        + sum(c[k] for k in ("failed", "limited_by_meta", "not_sent"))
        == c["total"]
    )
    # Stopped is final: nothing more is sent, not even by the tick.
    campaigns_tick()
    assert recipients.filter(state="not_sent", reason="stopped").count() == stopped
    assert set(standin.per_recipient().values()) == {1}


@pytest.mark.worker
def test_a_stopped_campaigns_claim_of_a_dead_worker_ends_not_sent_or_sent(
    transactional_db, standin, company, club, whatsapp_on, template, admin_user
):
    """A worker died between its claim and Twilio: past the lease the tick asks Twilio; who was
    not sent ends not_sent (stopped), never back in the queue of a stopped campaign."""
    from whatsapp.providers.twilio.backend import clients_reset

    clients_reset()  # clients made for an earlier test's stand-in
    make_people(company, club, 3)
    campaign = make_campaign(company, template, admin_user, status="running")
    services.campaign_fan_out(campaign_id=campaign.pk)
    ctx = dispatch._context(campaign.pk)
    jobs = dispatch.claim(ctx, 2, timezone.now())  # claimed, never sent: the worker "died"
    assert len(jobs) == 2
    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="stop")
    recipients = CampaignRecipient.objects.filter(campaign=campaign)
    assert recipients.filter(state="not_sent", reason="stopped").count() == 1  # was queued
    assert recipients.filter(state="sending").count() == 2

    recipients.filter(state="sending").update(lease_until=timezone.now() - timedelta(seconds=1))
    campaigns_tick()
    assert recipients.filter(state="not_sent", reason="stopped").count() == 3
    c = counts(campaign)
    assert (c["total"], c["not_sent"], c["queued"], c["sending"]) == (3, 3, 0, 0)
    assert standin.count() == 0


def test_the_page_and_the_api_read_a_start_time_in_the_clubs_time_zone(
    db, client, api, company, club, admin_user, template, whatsapp_on
):
    company.time_zone = "America/New_York"
    company.save()
    london = Club.objects.create(company=company, name="London", time_zone="Europe/London")
    typed = "2026-12-24T09:00"
    expected = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # 09:00 in London in December

    client.force_login(admin_user)
    response = client.post(
        "/campaigns/new/",
        {
            "name": "From the page",
            "template_id": template.pk,
            "club_id": london.pk,
            "var_1_field": "first_name",
            "scheduled_at": typed,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from_page = Campaign.objects.get(name="From the page")

    response = api(admin_user).post(
        "/api/v1/whatsapp/campaigns",
        {
            "name": "From the API",
            "template_id": template.pk,
            "variables": {"1": {"field": "first_name"}},
            "audience": {"club_id": london.pk},
            "scheduled_at": typed + ":00",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["scheduled_at"] == "2026-12-24T09:00:00+00:00"
    from_api = Campaign.objects.get(name="From the API")

    assert from_page.scheduled_at == from_api.scheduled_at == expected
    page = client.get(f"/campaigns/{from_page.pk}/").content.decode()
    assert "starts 2026-12-24 09:00" in page
    assert "Europe/London" in page
    data = api(admin_user).get(f"/api/v1/whatsapp/campaigns/{from_page.pk}").json()
    assert data["scheduled_at"] == "2026-12-24T09:00:00+00:00"

    # No club: the company's time zone, for both.
    response = client.post(
        "/campaigns/new/",
        {
            "name": "All clubs",
            "template_id": template.pk,
            "var_1_field": "first_name",
            "scheduled_at": typed,
        },
    )
    assert response.status_code == 302
    all_clubs = Campaign.objects.get(name="All clubs")
    assert all_clubs.scheduled_at == datetime(2026, 12, 24, 14, 0, tzinfo=UTC)


def test_a_start_time_in_a_dst_gap_of_the_company_zone_is_read_in_the_clubs(
    db, client, company, admin_user, template, whatsapp_on
):
    """02:30 on 8 March 2026 does not exist in New York; it does in London."""
    company.time_zone = "America/New_York"
    company.save()
    london = Club.objects.create(company=company, name="London", time_zone="Europe/London")
    client.force_login(admin_user)
    response = client.post(
        "/campaigns/new/",
        {
            "name": "Gap",
            "template_id": template.pk,
            "club_id": london.pk,
            "var_1_field": "first_name",
            "scheduled_at": "2026-03-08T02:30",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Campaign.objects.get(name="Gap").scheduled_at == datetime(2026, 3, 8, 2, 30, tzinfo=UTC)


def retry_after_63010(client, settings_row, recipient) -> int:
    """Twilio reports the recipient's message failed with 63010; once whatsapp's retry is linked,
    a minute passes and the sweep hands the retry to a worker. Returns the retry's id."""
    first = CampaignRecipient.objects.get(pk=recipient.pk).message
    post_status(client, settings_row, first.sid, "failed", "63010")
    assert wait_for(
        lambda: CampaignRecipient.objects.get(pk=recipient.pk).message_id != first.pk,
    )
    return CampaignRecipient.objects.get(pk=recipient.pk).message_id


def make_due_and_sweep(message_id: int) -> None:
    Message.objects.filter(pk=message_id).update(send_after=timezone.now() - timedelta(seconds=1))
    sends_sweep()


@pytest.mark.worker
def test_a_63010_automatic_retry_is_followed_by_its_recipient(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client
):
    campaign, people = sent_campaign(company, template, admin_user, 3, club)
    recipient = CampaignRecipient.objects.select_related("message").get(
        campaign=campaign, person=people[0]
    )
    first = recipient.message
    post_status(client, webhook_ready, first.sid, "sent")
    post_status(client, webhook_ready, first.sid, "failed", "63010")

    assert wait_for(
        lambda: CampaignRecipient.objects.get(pk=recipient.pk).message_id != first.pk,
    )
    linked = CampaignRecipient.objects.get(pk=recipient.pk)
    retry = Message.objects.get(pk=linked.message_id)
    assert retry.retry_of_id == first.pk
    assert (linked.state, linked.error_code, linked.attempts) == ("sending", "63010", 2)
    c = counts(campaign)
    assert (c["retrying"], c["failed"], c["sending"], c["sent"]) == (1, 0, 2, 0)

    # A minute later whatsapp's sweep sends the retry (1:1 path, the `celery` queue).
    Message.objects.filter(pk=retry.pk).update(send_after=timezone.now() - timedelta(seconds=1))
    sends_sweep()
    assert wait_for(lambda: Message.objects.get(pk=retry.pk).sid)
    retry.refresh_from_db()
    assert standin.per_recipient()[f"whatsapp:{people[0].phone_mobile}"] == 2

    post_status(client, webhook_ready, retry.sid, "delivered")
    assert wait_for(
        lambda: CampaignRecipient.objects.get(pk=recipient.pk).state == "delivered",
    )
    done = CampaignRecipient.objects.get(pk=recipient.pk)
    assert done.sent_at is not None and not done.retrying and done.error_code == ""
    c = counts(campaign)
    assert (c["retrying"], c["delivered"], c["failed"]) == (0, 1, 0)

    # A second 63010 on the retry is final: the recipient fails with it.
    other = CampaignRecipient.objects.select_related("message").get(
        campaign=campaign, person=people[1]
    )
    second = retry_after_63010(client, webhook_ready, other)
    make_due_and_sweep(second)
    assert wait_for(lambda: Message.objects.get(pk=second).sid)
    post_status(client, webhook_ready, Message.objects.get(pk=second).sid, "failed", "63010")
    assert wait_for(
        lambda: CampaignRecipient.objects.get(pk=other.pk).state == "failed",
    )
    assert counts(campaign)["failed"] == 1


@pytest.mark.worker
def test_a_63010_retry_refused_at_send_time_ends_its_recipient_not_sent(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client, api
):
    """The person opted out before whatsapp's retry left: it is not sent, and the recipient ends
    not_sent with the refusal's code — not an opt-out after the campaign: it never reached them."""
    campaign, people = sent_campaign(company, template, admin_user, 2, club)
    recipient = CampaignRecipient.objects.select_related("message").get(
        campaign=campaign, person=people[0]
    )
    retry_id = retry_after_63010(client, webhook_ready, recipient)
    api(admin_user).post(f"/api/v1/people/{people[0].pk}/whatsapp/opt-out")
    make_due_and_sweep(retry_id)
    assert wait_for(
        lambda: CampaignRecipient.objects.get(pk=recipient.pk).state == "not_sent",
    )
    done = CampaignRecipient.objects.get(pk=recipient.pk)
    assert (done.reason, done.retrying) == ("opted_out", False)
    assert Message.objects.get(pk=retry_id).status == "not_sent"
    assert standin.per_recipient()[f"whatsapp:{people[0].phone_mobile}"] == 1
    c = counts(campaign)
    assert (c["not_sent"], c["retrying"], c["opted_out"]) == (1, 0, 0)


# --- whatsapp's automatic 63010 retry belongs to the campaign: it completes after it, a stop
# cancels it, a pause holds it; an opt-out counts only after the campaign reached them ---------


def recipient_of(campaign, person) -> CampaignRecipient:
    return CampaignRecipient.objects.select_related("message").get(campaign=campaign, person=person)


def progress_of(campaign) -> int:
    return selectors.campaign_counts(campaign=Campaign.objects.get(pk=campaign.pk))["progress"]


@pytest.mark.worker
def test_a_campaign_completes_only_after_a_pending_63010_retry_is_sent(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client
):
    campaign, people = sent_campaign(company, template, admin_user, 3, club)
    assert progress_of(campaign) == 100
    recipient = recipient_of(campaign, people[0])
    retry_id = retry_after_63010(client, webhook_ready, recipient)

    # The retry is still the campaign's: it runs again, with the recipient `retrying`.
    assert status_of(campaign) == "running"
    assert Campaign.objects.get(pk=campaign.pk).finished_at is None
    c = counts(campaign)
    assert (c["retrying"], c["sending"], c["failed"], c["total"]) == (1, 2, 0, 3)
    assert progress_of(campaign) == 67
    campaigns_tick()
    assert status_of(campaign) == "running"

    make_due_and_sweep(retry_id)
    assert wait_for(lambda: Message.objects.get(pk=retry_id).sid)
    campaigns_tick()  # accepted, not yet reported sent: still retrying
    assert status_of(campaign) == "running"
    assert counts(campaign)["retrying"] == 1

    post_status(client, webhook_ready, Message.objects.get(pk=retry_id).sid, "sent")
    assert wait_for(lambda: recipient_of(campaign, people[0]).state == "sent")
    assert wait_for(lambda: status_of(campaign) == "completed")
    assert Campaign.objects.get(pk=campaign.pk).finished_at is not None
    c = counts(campaign)
    assert (c["retrying"], c["sent"], c["sending"]) == (0, 1, 2)
    assert progress_of(campaign) == 100
    assert standin.per_recipient()[f"whatsapp:{people[0].phone_mobile}"] == 2


@pytest.mark.worker
def test_a_stop_cancels_a_pending_63010_retry_and_one_that_fails_after_it(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client
):
    campaign, people = sent_campaign(company, template, admin_user, 3, club)
    first = recipient_of(campaign, people[0])
    retry_id = retry_after_63010(client, webhook_ready, first)
    assert status_of(campaign) == "running"

    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="stop")
    done = recipient_of(campaign, people[0])
    assert (done.state, done.reason, done.retrying) == ("not_sent", "stopped", False)
    retry = Message.objects.get(pk=retry_id)
    assert (retry.status, retry.error_message) == (
        "not_sent",
        "Not sent: the campaign was stopped.",
    )

    # A 63010 reported after the stop: its retry is cancelled as it is made.
    second = recipient_of(campaign, people[1])
    post_status(client, webhook_ready, second.message.sid, "failed", "63010")
    assert wait_for(lambda: recipient_of(campaign, people[1]).state == "not_sent")
    late = recipient_of(campaign, people[1])
    assert (late.reason, late.message.status, late.message.retry_of_id) == (
        "stopped",
        "not_sent",
        second.message_id,
    )

    # A minute later nothing is due, and nobody is sent the campaign twice.
    make_due_and_sweep(retry_id)
    make_due_and_sweep(late.message_id)
    campaigns_tick()
    assert status_of(campaign) == "stopped"
    assert Message.objects.get(pk=retry_id).sid is None
    assert set(standin.per_recipient().values()) == {1}
    c = counts(campaign)
    assert (c["not_sent"], c["retrying"], c["sending"], c["total"]) == (2, 0, 1, 3)


@pytest.mark.worker
def test_a_pause_holds_a_pending_63010_retry_until_resume(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client
):
    campaign, people = sent_campaign(company, template, admin_user, 3, club)
    retry_id = retry_after_63010(client, webhook_ready, recipient_of(campaign, people[0]))
    due = timezone.now() - timedelta(seconds=1)
    Message.objects.filter(pk=retry_id).update(send_after=due)  # its minute has passed

    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="pause")
    # A 63010 reported while paused: its retry waits too.
    other = recipient_of(campaign, people[1])
    post_status(client, webhook_ready, other.message.sid, "failed", "63010")
    assert wait_for(lambda: recipient_of(campaign, people[1]).message_id != other.message_id)
    other_retry = recipient_of(campaign, people[1]).message_id

    assert sends_sweep() == ([], [])  # neither is due while the campaign is paused
    assert Message.objects.get(pk=retry_id).status == "queued"
    assert counts(campaign)["retrying"] == 2
    assert set(standin.per_recipient().values()) == {1}

    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="resume")
    assert Message.objects.get(pk=retry_id).send_after == due  # due when it was before
    assert Message.objects.get(pk=other_retry).send_after > timezone.now()  # its minute to come
    sends_sweep()
    assert wait_for(lambda: Message.objects.get(pk=retry_id).sid)
    assert standin.per_recipient()[f"whatsapp:{people[0].phone_mobile}"] == 2
    assert standin.per_recipient()[f"whatsapp:{people[1].phone_mobile}"] == 1


@pytest.mark.worker
def test_an_opt_out_counts_only_while_the_campaign_reached_them(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client, api
):
    """API.md: `opted_out` = recipients who opted out after it reached them. A message that then
    fails (63010 before its retry, or for good) never reached them; a campaign that reached them
    earlier counts the opt-out too; the Bulk WhatsApp report says the same."""
    people = make_people(company, club, 3)
    earlier = make_campaign(company, template, admin_user, name="Earlier")
    services.campaign_act(campaign=earlier, action="start")
    assert wait_for(lambda: status_of(earlier) == "completed", timeout=60)
    campaign = make_campaign(company, template, admin_user, name="Later")
    services.campaign_act(campaign=campaign, action="start")
    assert wait_for(lambda: status_of(campaign) == "completed", timeout=60)
    staff = api(admin_user)

    # P0: opted out by staff while the message was accepted, then Twilio reports 63010.
    staff.post(f"/api/v1/people/{people[0].pk}/whatsapp/opt-out")
    assert counts(campaign)["opted_out"] == 1
    retry_after_63010(client, webhook_ready, recipient_of(campaign, people[0]))
    assert counts(campaign)["opted_out"] == 0
    # P1: its message failed for good (63016), then it opted out: it never reached them here.
    post_status(
        client, webhook_ready, recipient_of(campaign, people[1]).message.sid, "failed", "63016"
    )
    assert wait_for(lambda: recipient_of(campaign, people[1]).state == "failed")
    staff.patch(f"/api/v1/people/{people[1].pk}", {"whatsapp_opted_out": True}, format="json")
    # P2: reached, then opted out.
    staff.patch(f"/api/v1/people/{people[2].pk}", {"whatsapp_opted_out": True}, format="json")

    assert counts(campaign)["opted_out"] == 1
    # The earlier campaign reached all three before they opted out.
    assert counts(earlier)["opted_out"] == 3
    report = staff.get("/api/v1/reports/bulk-whatsapp").json()["collection"]
    assert {row["name"]: row["opted_out"] for row in report} == {"Later": 1, "Earlier": 3}
    people_of_bucket = staff.get(
        f"/api/v1/reports/bulk-whatsapp/{campaign.pk}/people", {"bucket": "opted_out"}
    ).json()["collection"]
    assert [p["id"] for p in people_of_bucket] == [people[2].pk]


@pytest.mark.worker
def test_a_retry_in_flight_at_the_stop_that_comes_back_to_the_queue_is_not_sent(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client
):
    """A stop cancels a queued retry at once; one whatsapp's worker held at that moment is in
    flight. If it comes back to the queue (its throttle, or reconciliation after a lost worker),
    whatsapp asks the campaign again when it claims it: not sent, the recipient not_sent."""
    campaign, people = sent_campaign(company, template, admin_user, 2, club)
    retry_id = retry_after_63010(client, webhook_ready, recipient_of(campaign, people[0]))
    Message.objects.filter(pk=retry_id).update(status="sending", claimed_at=timezone.now())
    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="stop")
    assert recipient_of(campaign, people[0]).state == "sending"

    Message.objects.filter(pk=retry_id).update(status="queued", claimed_at=None)
    make_due_and_sweep(retry_id)
    assert wait_for(lambda: recipient_of(campaign, people[0]).state == "not_sent")
    done = recipient_of(campaign, people[0])
    assert (done.reason, done.retrying) == ("stopped", False)
    assert Message.objects.get(pk=retry_id).status == "not_sent"
    assert set(standin.per_recipient().values()) == {1}
    assert counts(campaign)["not_sent"] == 1


@pytest.mark.worker
def test_a_paused_campaigns_retry_that_falls_due_waits_for_resume(
    campaign_worker, standin, company, club, webhook_ready, template, admin_user, client
):
    campaign, people = sent_campaign(company, template, admin_user, 2, club)
    retry_id = retry_after_63010(client, webhook_ready, recipient_of(campaign, people[0]))
    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="pause")
    # Due anyway (say it came back to the queue): whatsapp's worker claims it and puts it back.
    make_due_and_sweep(retry_id)
    assert wait_for(
        lambda: Message.objects.get(pk=retry_id).send_after > timezone.now(),
    )
    assert Message.objects.get(pk=retry_id).status == "queued"
    assert set(standin.per_recipient().values()) == {1}
    assert counts(campaign)["retrying"] == 1

    services.campaign_act(campaign=Campaign.objects.get(pk=campaign.pk), action="resume")
    make_due_and_sweep(retry_id)
    assert wait_for(lambda: Message.objects.get(pk=retry_id).sid)
    assert standin.per_recipient()[f"whatsapp:{people[0].phone_mobile}"] == 2
