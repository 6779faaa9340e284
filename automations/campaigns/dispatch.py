"""The campaign dispatch engine: one worker's slice of sending one campaign.

Any number of workers on any number of machines share a campaign without coordination:

- **claim** a batch of queued recipients with `UPDATE … RETURNING` over `FOR UPDATE SKIP LOCKED`
  (state `sending`, a lease until `now + LEASE`), record their Message rows and history notes in
  the same transaction, after re-checking at send time: opted out or no mobile meanwhile, the
  messaging-limit tier (unique people per rolling 24 h) → `not_sent` with the reason;
- **send** them concurrently, non-blocking (sender.AsyncSender: the Twilio adapter's aiohttp
  client, keep-alive), as many at once as the company's token bucket (pacing, Redis, shared by
  all workers, taken a batch at a time) allows; two batches are claimed ahead, so as a request
  ends the next one is ready;
- **write back** outcomes in batches (SIDs in one statement) on a thread and database connection
  of their own, so claims and write-backs overlap instead of taking turns; a write-back only
  lands on its own claim (`lease_until` matches), so a worker that stalled past its lease
  changes nothing;
- between batches re-read the campaign's status (pause/stop seen within a quarter second) and
  its quiet hours.

Per recipient the Python work is small (bench/campaigns.py prints the CPU per recipient): the
template is compiled once per slice and filled from the claimed row (`_Renderer`), a batch's rows
go to PostgreSQL as one JSON parameter (binding one placeholder per value cost more than the rest
of the claim), and the sender thread and this one hand each other whole batches.

A worker killed mid-batch leaves recipients `sending` without a SID: once their lease runs out,
`reconcile_expired` asks the provider whether each message was accepted (Twilio's Messages list)
and stores its SID, or puts the recipient back in the queue: nobody is lost, nobody doubled.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time as clock
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from automations.campaigns import pacing, rules
from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from automations.campaigns.sender import (
    AsyncSender,
    MessageShape,
    SendJob,
    SendOutcome,
    make_sender,
)
from gymsales.tenancy import all_companies, company_scope
from whatsapp.models import Message, MessageStatus, WhatsAppSettings
from whatsapp.providers import ProviderError

logger = logging.getLogger(__name__)

STATUS_CALLBACK_PATH = "/webhooks/twilio/whatsapp/status"
CONTROL_EVERY = 0.25  # seconds between re-reads of the campaign's status
WRITE_BACK_EVERY = 0.1
CLAIM_AHEAD = 2  # batches claimed beyond the requests in flight
HEARTBEAT_EVERY = 5.0  # seconds (pacing.heartbeat's key lives 30 s)
TRANSIENT_ATTEMPTS = 3


def lease_seconds() -> float:
    return float(getattr(django_settings, "CAMPAIGN_LEASE_SECONDS", 120))


@dataclass
class SliceResult:
    outcome: str  # more | done | paused | stopped | quiet | waiting | idle
    sent: int = 0
    not_sent: int = 0
    failed: int = 0
    retry_in: float | None = None


@dataclass
class _Context:
    campaign: Campaign
    settings: WhatsAppSettings
    tz: object


def _context(campaign_id: int) -> _Context | None:
    from automations.campaigns.services import campaign_time_zone

    campaign = Campaign.objects.select_related("company", "template").filter(pk=campaign_id).first()
    if campaign is None:
        return None
    settings = WhatsAppSettings.objects.get(company_id=campaign.company_id)
    tz = campaign_time_zone(company=campaign.company, audience=campaign.audience)
    return _Context(campaign=campaign, settings=settings, tz=tz)


def quiet_wait(campaign: Campaign, tz, now: datetime) -> float | None:
    """Seconds until quiet hours end, or None when sending is allowed now."""
    resume = rules.quiet_hours_end(
        local_now=now.astimezone(tz), start=campaign.quiet_hours_start, end=campaign.quiet_hours_end
    )
    return None if resume is None else max(1.0, (resume - now).total_seconds())


# --- Claim -------------------------------------------------------------------------------------


def _claim_sql() -> str:
    """Claim a batch and return, in the same statement, what the send needs: the person's
    fields the variables may use, opt-out and mobile (re-checked now), an open session. Each
    claim takes its Message's id from the messages' sequence here (the row itself is inserted
    by _RECORD_SQL before the commit; the foreign key is checked at the commit), so the
    recipient row is written once per claim instead of again to link it.

    The batch is the next queued recipients by id after `id > %s` (the slice's cursor: the
    index scan starts past the rows it already claimed, whose index entries stay until vacuum),
    read in the queued index's order (see _ORDERED_SCAN)."""
    r = CampaignRecipient._meta.db_table
    return (
        f"WITH picked AS (SELECT id, person_id FROM {r} WHERE campaign_id = %s"  # noqa: S608 (table names only)
        " AND state = 'queued' AND id > %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
        f" UPDATE {r} r SET state = 'sending', lease_until = %s, attempts = r.attempts + 1,"
        " updated_at = %s, error_code = '', error_message = '',"
        f" message_id = nextval(pg_get_serial_sequence('{Message._meta.db_table}', 'id'))"
        " FROM picked JOIN gymsales_person p ON p.id = picked.person_id"
        " JOIN gymsales_club c ON c.id = p.club_id"
        " LEFT JOIN gymsales_user u ON u.id = p.owner_id"
        " LEFT JOIN whatsapp_conversation cv ON cv.person_id = p.id"
        " WHERE r.id = picked.id"
        " RETURNING r.id, p.id, p.phone_mobile, p.whatsapp_opted_out, p.first_name, p.last_name,"
        " p.email, p.club_id, c.name, u.id, u.first_name, u.last_name,"
        " COALESCE(cv.session_expires_at > %s, false), r.message_id"
    )


# The claim's pick must walk the queued index (campaign, id) in order and stop after the batch.
# Right after a fan-out the table has no statistics yet (autovacuum has not analysed it), so the
# planner believes a campaign has a handful of queued rows and may instead fetch all of them
# (100,000) and sort them for every batch of 100: ~37 ms of PostgreSQL per claim instead of
# ~0.1 ms. Sorting is never needed here, so the claim's transaction forbids it.
_ORDERED_SCAN = "SET LOCAL enable_sort = off"

# One statement per batch: the Message rows (with the ids the claim took) and their history
# notes. The rows come as one JSON array (one parameter: cheap to bind however large the batch).
_RECORD_SQL = """
    WITH v AS (
        SELECT (e->>0)::bigint AS message_id, (e->>1)::bigint AS person_id,
            (e->>2)::bigint AS club_id, e->>3 AS to_number, e->>4 AS body,
            (e->>5)::jsonb AS variables, (e->>6)::boolean AS business_initiated, e->>7 AS note
        FROM json_array_elements(%s::json) e
    ),
    m AS (
        INSERT INTO whatsapp_message (id, company_id, person_id, direction, body, template_id,
            content_variables, status, error_code, error_message, sent_by_id, media,
            profile_name, button_payload, to_number, from_number, origin, business_initiated,
            template_edited, send_attempts, limited_by_meta, referral, created_at, updated_at)
        SELECT v.message_id, %s, v.person_id, 'outbound', v.body, %s, v.variables, 'sending',
            '', '', %s, '[]'::jsonb, '', '', v.to_number, %s, 'campaign', v.business_initiated,
            false, 1, false, '{}'::jsonb, %s, %s
        FROM v
    ),
    n AS (
        INSERT INTO gymsales_note (company_id, club_id, person_id, kind, text, user_id,
            created_at)
        SELECT %s, v.club_id, v.person_id, 'whatsapp_sent', v.note, %s, %s
        FROM v
        RETURNING id, person_id
    )
    INSERT INTO whatsapp_messagenote (note_id, message_id)
    SELECT n.id, v.message_id FROM n JOIN v ON v.person_id = n.person_id
"""

# What a template variable mapped to a person's field reads from a claimed row (_claim_sql's
# RETURNING: 2 mobile, 4 first name, 5 last name, 6 email, 8 club, 9-11 owner); the same values
# as templates_app.rendering.PERSON_FIELDS reads from a Person.
_ROW_FIELDS = {
    "first_name": lambda row: row[4],
    "last_name": lambda row: row[5],
    "full_name": lambda row: f"{row[4]} {row[5]}",
    "email": lambda row: row[6],
    "phone_mobile": lambda row: row[2],
    "club_name": lambda row: row[8],
    "owner_name": lambda row: f"{row[10]} {row[11]}" if row[9] else "",
    "owner_first_name": lambda row: row[10] if row[9] else "",
}


class _Renderer:
    """The campaign's template compiled once; per claimed row only its variables are read and
    put in (what templates_app.rendering.template_render gives for that person)."""

    def __init__(self, campaign: Campaign):
        from templates_app.rendering import template_compile

        self.compiled = template_compile(template=campaign.template, variables=campaign.variables)
        self.getters = []
        for number in self.compiled.numbers:
            mapping = self.compiled.mappings.get(number) or {}
            if "value" in mapping:
                value = str(mapping["value"] or "").strip()
                self.getters.append((number, lambda row, value=value: value))
            elif mapping.get("field") == "company_name":
                value = str(campaign.company.name or "").strip()
                self.getters.append((number, lambda row, value=value: value))
            elif mapping.get("field") in _ROW_FIELDS:
                read = _ROW_FIELDS[mapping["field"]]
                self.getters.append((number, lambda row, read=read: str(read(row) or "").strip()))
            else:
                self.getters.append((number, lambda row: ""))

    def values(self, row) -> dict[str, str] | None:
        """The variables for one claimed row, or None when one of them has no value."""
        values = {number: get(row) for number, get in self.getters}
        return values if all(values.values()) else None


@dataclass
class Claimed:
    jobs: list[SendJob]  # to send
    rows: int  # recipients claimed, the refused included
    last_id: int  # the highest recipient id claimed (0: none)


def claim(
    ctx: _Context, limit: int, now: datetime, renderer: _Renderer | None = None
) -> list[SendJob]:
    """Claim up to `limit` queued recipients and record their messages (one transaction):
    what to send."""
    return claim_batch(ctx, limit, now, renderer).jobs


def claim_batch(
    ctx: _Context, limit: int, now: datetime, renderer: _Renderer | None = None, *, after: int = 0
) -> Claimed:
    """Claim up to `limit` queued recipients with ids above `after` and record their messages
    (one transaction). A slice passes its `renderer` (the template compiled once) to every
    claim, and its cursor as `after`."""
    renderer = renderer or _Renderer(ctx.campaign)
    lease = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        rows = _claim_rows(ctx, limit, lease, now, after)
        if not rows:
            return Claimed([], 0, 0)
        keep, refused = _sendable(ctx, rows, now)
        jobs, records = _jobs_and_records(ctx, renderer, keep, lease, refused)
        if records:
            _record(ctx, records, now)
        for reason, ids in refused.items():
            _refuse(ids, reason, now)
    return Claimed(jobs, len(rows), max(row[0] for row in rows))


def _claim_rows(
    ctx: _Context, limit: int, lease: datetime, now: datetime, after: int
) -> list[tuple]:
    with connection.cursor() as cursor:
        # One round trip for both (client-side binding sends them as one query): the setting's
        # result first, then the claim's rows.
        cursor.execute(
            f"{_ORDERED_SCAN}; {_claim_sql()}", [ctx.campaign.pk, after, limit, lease, now, now]
        )
        cursor.nextset()
        return cursor.fetchall()


def _sendable(ctx: _Context, rows: list[tuple], now: datetime) -> tuple[list, dict]:
    """The claimed rows that may still be sent (opt-out, mobile and the messaging-limit tier
    checked now), and the others' recipient ids by reason."""
    refused: dict[str, list[int]] = {}
    keep = []
    for row in rows:
        if row[3]:
            refused.setdefault("opted_out", []).append(row[0])
        elif not row[2]:
            refused.setdefault("no_mobile", []).append(row[0])
        else:
            keep.append(row)
    if ctx.settings.messaging_limit is not None:
        keep, over = _within_limit(ctx, keep, _in_session(keep), now)
        if over:
            refused.setdefault("limit_reached", []).extend(over)
    return keep, refused


def _in_session(rows: list[tuple]) -> set[int]:
    """The people (of claimed rows) with an open session: not business-initiated."""
    return {row[1] for row in rows if row[12]}


def _jobs_and_records(
    ctx: _Context, renderer: _Renderer, keep: list, lease: datetime, refused: dict
) -> tuple[list[SendJob], list[tuple]]:
    """Per sendable row its send job and its Message/note record (_RECORD_SQL's columns); a row
    missing a variable's value is refused instead."""
    content_sid, name = ctx.campaign.template.content_sid, ctx.campaign.name
    body_of, dumps = renderer.compiled.body, json.dumps
    jobs, records = [], []
    for row in keep:
        values = renderer.values(row)
        if values is None:
            refused.setdefault("missing_variable", []).append(row[0])
            continue
        text, variables = body_of(values), dumps(values)
        jobs.append(SendJob(row[0], row[13], lease, row[2], variables if content_sid else text))
        full_name = f"{row[4]} {row[5]}".strip()
        records.append(
            (
                row[13],
                row[1],
                row[7],
                row[2],
                text,
                variables,
                not row[12],  # business-initiated: no open session
                f"WhatsApp sent to {full_name} (campaign {name}): {text}",
            )
        )
    return jobs, records


def _record(ctx: _Context, records: list[tuple], now: datetime) -> None:
    campaign, user_id = ctx.campaign, ctx.campaign.created_by_id
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_SQL,
            [
                json.dumps(records),
                campaign.company_id,
                campaign.template_id,
                user_id,
                ctx.settings.sender_number,
                now,
                now,
                campaign.company_id,
                user_id,
                now,
            ],
        )


def _refuse(recipient_ids: list[int], reason: str, now: datetime) -> None:
    CampaignRecipient.objects.filter(pk__in=recipient_ids, state=RecipientState.SENDING).update(
        state=RecipientState.NOT_SENT,
        reason=reason,
        lease_until=None,
        message=None,  # its id was taken, no message made
        updated_at=now,
    )


def _within_limit(ctx: _Context, keep: list, in_session: set, now: datetime):
    """The company's messaging-limit tier, under a lock on its settings row (as 1:1 sends do):
    new business-initiated people beyond what is left in the rolling 24 h are not sent."""
    from whatsapp import selectors as wa_selectors

    WhatsAppSettings.objects.select_for_update().filter(pk=ctx.settings.pk).values_list(
        "pk"
    ).first()
    reached = wa_selectors.people_reached_24h(company=ctx.campaign.company, now=now)
    candidates = [row[1] for row in keep if row[1] not in in_session]
    already = set(reached.filter(person_id__in=candidates))
    left = max(0, ctx.settings.messaging_limit - reached.count())
    kept, over = [], []
    for item in keep:
        person_id = item[1]
        if person_id in in_session or person_id in already:
            kept.append(item)
        elif left > 0:
            left -= 1
            kept.append(item)
        else:
            over.append(item[0])
    return kept, over


# --- Write-back ----------------------------------------------------------------------------------

# SIDs in one statement (atomic without a transaction): each recipient's claim, only while it is
# still this worker's (same lease), and its message's SID.
_STORED_SQL = f"""
    WITH v AS (
        SELECT (e->>0)::bigint AS recipient_id, (e->>1)::bigint AS message_id, e->>2 AS sid,
            (e->>3)::timestamptz AS lease
        FROM json_array_elements(%s::json) e
    ),
    r AS (
        UPDATE {CampaignRecipient._meta.db_table} r SET sent_at = %s, lease_until = NULL,
            updated_at = %s
        FROM v WHERE r.id = v.recipient_id AND r.lease_until = v.lease
    )
    UPDATE {Message._meta.db_table} m SET sid = v.sid, updated_at = %s
    FROM v WHERE m.id = v.message_id AND m.sid IS NULL
"""  # noqa: S608 (table names only)


def write_back(outcomes: list[SendOutcome], now: datetime) -> tuple[int, int]:
    """Store SIDs in batches; settle failures. Returns (accepted, failed)."""
    accepted, failed, leases = [], [], {}
    for outcome in outcomes:
        job = outcome.job
        if outcome.sid:
            lease = leases.get(job.lease)
            if lease is None:
                lease = leases[job.lease] = job.lease.isoformat()
            accepted.append((job.recipient_id, job.message_id, outcome.sid, lease))
        elif not outcome.unknown:
            failed.append(outcome)
    if accepted:
        with connection.cursor() as cursor:
            cursor.execute(_STORED_SQL, [json.dumps(accepted), now, now, now])
    for outcome in failed:
        _failed(outcome, now)
    return len(accepted), len(failed)


def _failed(outcome: SendOutcome, now: datetime) -> None:
    """Twilio refused the message (or could not be reached after retries): the recipient fails
    with the code; the message fails with its error note (whatsapp's failure path)."""
    from whatsapp.services import message_failure_record

    job = outcome.job
    changed = CampaignRecipient.objects.filter(
        pk=job.recipient_id, state=RecipientState.SENDING, lease_until=job.lease
    ).update(
        state=RecipientState.FAILED,
        error_code=outcome.code,
        error_message=outcome.error[:2000],
        failed_at=now,
        lease_until=None,
        updated_at=now,
    )
    if changed:
        message = Message.objects.filter(pk=job.message_id).first()
        if message is not None:
            message_failure_record(message=message, code=outcome.code, error_message=outcome.error)


# --- One slice --------------------------------------------------------------------------------


def run_slice(
    campaign_id: int,
    *,
    seconds: float | None = None,
    concurrency: int | None = None,
    batch: int | None = None,
) -> SliceResult:
    """Send one campaign for up to `seconds`, then return (the task chains the next slice, so
    several campaigns share the workers fairly)."""
    seconds = (
        seconds if seconds is not None else getattr(django_settings, "CAMPAIGN_SLICE_SECONDS", 20)
    )
    concurrency = concurrency or getattr(django_settings, "CAMPAIGN_CONCURRENCY", 200)
    batch = batch or getattr(django_settings, "CAMPAIGN_BATCH", 100)
    with all_companies():
        company_id = (
            Campaign.objects.filter(pk=campaign_id).values_list("company_id", flat=True).first()
        )
    if company_id is None:
        return SliceResult("done")
    with company_scope(company_id):
        from automations.campaigns.services import campaign_fan_out

        campaign_fan_out(campaign_id=campaign_id)
        reconcile_expired(campaign_id=campaign_id)
        ctx = _context(campaign_id)
        return _Slice(ctx, seconds=seconds, concurrency=concurrency, batch=batch).run()


class _Slice:
    def __init__(self, ctx: _Context, *, seconds: float, concurrency: int, batch: int):
        self.ctx = ctx
        self.deadline = clock.monotonic() + seconds
        self.concurrency = concurrency
        self.batch = batch
        self.result = SliceResult("more")
        self.pending: list[SendOutcome] = []
        self.retries: dict[int, int] = {}
        self.inflight = 0
        self.exhausted = False  # nobody queued is left to claim
        self.after = 0  # the cursor: claim recipients with higher ids (claim_batch's `after`)
        self.tokens = 0  # taken from the company's bucket, not used yet
        self.next_heartbeat = 0.0
        self.next_control = 0.0
        self.last_write = clock.monotonic()

    def run(self) -> SliceResult:
        status = self.ctx.campaign.status
        if status != rules.RUNNING:
            return SliceResult({rules.PAUSED: "paused"}.get(status, "stopped"))
        if not self.ctx.settings.is_usable:
            return SliceResult("waiting", retry_in=60)
        renderer = _Renderer(self.ctx.campaign)
        sender = self._sender()
        writer = make_writer(sender, company_id=self.ctx.campaign.company_id, result=self.result)
        try:
            self._send(sender, writer, renderer)
            self._drain(sender, writer)
        finally:
            try:
                writer.close()
            finally:
                sender.close()
        if self.result.outcome == "more" and self.exhausted:
            self.result.outcome = campaign_finish_if_done(self.ctx.campaign.pk)
        return self.result

    def _sender(self):
        from whatsapp.services import credentials_for

        return make_sender(
            credentials=credentials_for(self.ctx.settings),
            concurrency=self.concurrency,
            shape=MessageShape(
                content_sid=self.ctx.campaign.template.content_sid,
                status_callback=django_settings.PUBLIC_BASE_URL + STATUS_CALLBACK_PATH,
            ),
        )

    def _send(self, sender, writer, renderer: _Renderer) -> None:
        """Claim, send and hand outcomes to the writer until the slice's time is up, the
        campaign is paused, stopped or in quiet hours, or nobody is left."""
        while True:
            if not self._may_go_on():
                return
            wait_results = self._claim_next(sender, renderer)
            if self.exhausted and self.inflight == 0:
                return
            self._collect(sender, writer, timeout=wait_results)

    def _may_go_on(self) -> bool:
        """Every CONTROL_EVERY: the heartbeat, the campaign's status, quiet hours, the slice's
        deadline (the outcome says why not)."""
        now = clock.monotonic()
        if now < self.next_control:
            return True
        self.next_control = now + CONTROL_EVERY
        campaign = self.ctx.campaign
        if now >= self.next_heartbeat:
            self.next_heartbeat = now + HEARTBEAT_EVERY
            pacing.heartbeat(campaign.pk)
        status = self._status()
        if status != rules.RUNNING:
            self.result.outcome = {rules.PAUSED: "paused"}.get(status, "stopped")
            return False
        wait = quiet_wait(campaign, self.ctx.tz, timezone.now())
        if wait is not None:
            self.result.outcome, self.result.retry_in = "quiet", wait
            return False
        return now < self.deadline

    def _status(self) -> str:
        return (
            Campaign.objects.filter(pk=self.ctx.campaign.pk)
            .values_list("status", flat=True)
            .first()
            or rules.STOPPED
        )

    def _claim_next(self, sender, renderer: _Renderer) -> float:
        """Claim as many as the company's tokens allow, ahead of the sender by up to CLAIM_AHEAD
        batches (as a request ends, the next is ready to go, even while a claim waits on the
        database). Returns how long to wait for answers."""
        room = self.concurrency + CLAIM_AHEAD * self.batch - self.inflight
        if self.exhausted or room < self.batch // 2 or room <= 0:
            return 0.005  # no room, or nothing left to claim: wait for answers
        want = min(self.batch, room)
        if self.tokens < want:
            wait = self._take_tokens(want)
            if not self.tokens:  # the company's rate: no token before `wait`
                return max(0.001, min(wait, CONTROL_EVERY))
        granted = min(want, self.tokens)
        self.tokens -= granted
        claimed = claim_batch(self.ctx, granted, timezone.now(), renderer, after=self.after)
        if claimed.jobs:
            sender.submit(claimed.jobs)
            self.inflight += len(claimed.jobs)
        self.after = max(self.after, claimed.last_id)
        if claimed.rows < granted:
            if self.after:  # from the start again: rows another worker held, or sent back
                self.after = 0
            else:
                self.exhausted = not self._queued_left()
        return 0.0

    def _take_tokens(self, want: int) -> float:
        """Top the slice's tokens up from the company's bucket, asking for a batch more than
        this claim needs: while the company's rate has room, every other claim takes its
        tokens without a Redis round trip (at a binding rate the bucket grants a burst at most,
        all of it used by the next claim). Returns the bucket's wait when it had none."""
        granted, wait = pacing.take_tokens(
            company_id=self.ctx.campaign.company_id,
            rate=self.ctx.settings.max_messages_per_second,
            want=want - self.tokens + self.batch,
        )
        self.tokens += granted
        return wait

    def _queued_left(self) -> bool:
        return CampaignRecipient.objects.filter(
            campaign_id=self.ctx.campaign.pk, state=RecipientState.QUEUED
        ).exists()

    def _collect(self, sender, writer, *, timeout: float) -> None:
        """Take the outcomes the sender handed over (waiting up to `timeout` for the first
        batch); pass them to the writer once a batch is full or WRITE_BACK_EVERY has passed."""
        results = sender.results
        try:
            outcomes = results.get(timeout=timeout) if timeout else results.get_nowait()
        except queue.Empty:
            outcomes = None
        while outcomes is not None:
            self.inflight -= len(outcomes)
            self._take(sender, outcomes)
            try:
                outcomes = results.get_nowait()
            except queue.Empty:
                outcomes = None
        if self.pending and (
            len(self.pending) >= self.batch
            or clock.monotonic() - self.last_write >= WRITE_BACK_EVERY
        ):
            self._write(writer)

    def _take(self, sender, outcomes: list[SendOutcome]) -> None:
        for outcome in outcomes:
            if not outcome.sid and outcome.transient:
                recipient_id = outcome.job.recipient_id
                tries = self.retries.get(recipient_id, 0) + 1
                if tries < TRANSIENT_ATTEMPTS:
                    self.retries[recipient_id] = tries
                    sender.submit([outcome.job], delay=0.05 * tries)
                    self.inflight += 1
                    continue
            self.pending.append(outcome)

    def _write(self, writer) -> None:
        outcomes, self.pending = self.pending, []
        writer.submit(outcomes)
        self.last_write = clock.monotonic()

    def _drain(self, sender, writer) -> None:
        """Wait for the requests in flight (bounded by the HTTP timeout) and hand them over."""
        limit = clock.monotonic() + 30
        while self.inflight > 0 and clock.monotonic() < limit:
            self._collect(sender, writer, timeout=0.005)
        if self.pending:
            self._write(writer)


def make_writer(sender, *, company_id: int, result: SliceResult):
    """Write-backs beside the sends: on their own thread and database connection when the
    sender is concurrent (claims and write-backs then overlap instead of taking turns on one
    connection), else inline."""
    if isinstance(sender, AsyncSender):
        return _ThreadedWriter(sender, company_id=company_id, result=result)
    return _InlineWriter(sender, result=result)


class _InlineWriter:
    def __init__(self, sender, *, result: SliceResult):
        self.sender = sender
        self.result = result

    def submit(self, outcomes: list[SendOutcome]) -> None:
        accepted, failed = write_back(outcomes, timezone.now())
        self.result.sent += accepted
        self.result.failed += failed
        self.sender.after_stored(outcomes)

    def close(self) -> None:
        pass


class _ThreadedWriter:
    """The slice's write-backs on a thread of their own (its own database connection, in the
    company's scope). Outcomes handed over while a write-back runs go together in the next one.
    `close` waits for every write-back handed over and raises the thread's error, if any."""

    _END = None

    def __init__(self, sender, *, company_id: int, result: SliceResult):
        self.inline = _InlineWriter(sender, result=result)
        self.company_id = company_id
        self.todo: queue.SimpleQueue[list[SendOutcome] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="campaign-write-back", daemon=True)
        self.thread.start()

    def submit(self, outcomes: list[SendOutcome]) -> None:
        if self.error is not None:
            raise RuntimeError("campaign write-back failed") from self.error
        self.todo.put(outcomes)

    def close(self) -> None:
        self.todo.put(self._END)
        self.thread.join()
        if self.error is not None:
            raise RuntimeError("campaign write-back failed") from self.error

    def _run(self) -> None:
        try:
            with company_scope(self.company_id):
                ended = False
                while not ended:
                    outcomes, ended = self._next()
                    if outcomes:
                        self.inline.submit(outcomes)
        except BaseException as exc:  # handed to the dispatcher's thread
            self.error = exc
        finally:
            connection.close()

    def _next(self) -> tuple[list[SendOutcome], bool]:
        """Everything handed over so far (waiting for the first), and whether the end came."""
        batch = self.todo.get()
        if batch is self._END:
            return [], True
        outcomes = list(batch)
        while True:
            try:
                batch = self.todo.get_nowait()
            except queue.Empty:
                return outcomes, False
            if batch is self._END:
                return outcomes, True
            outcomes += batch


def campaign_finish_if_done(campaign_id: int) -> str:
    """Completed once nobody is queued and no claim is open (accepted ones await callbacks).
    A campaign not fanned out yet (its first slice has not run: the `campaigns` queue is busy,
    or beat started it a moment ago) has everyone still to come."""
    if Campaign.objects.filter(pk=campaign_id, fanned_out_at__isnull=True).exists():
        return "more"
    open_claims = CampaignRecipient.objects.filter(
        campaign_id=campaign_id,
        state__in=[RecipientState.QUEUED, RecipientState.SENDING],
        sent_at__isnull=True,
    )
    if open_claims.filter(state=RecipientState.QUEUED).exists():
        return "more"
    if open_claims.exists():
        return "waiting"
    done = Campaign.objects.filter(pk=campaign_id, status=rules.RUNNING).update(
        status=rules.COMPLETED, finished_at=timezone.now()
    )
    return "done" if done else "stopped"


# --- Reconciliation of expired leases -----------------------------------------------------------


def reconcile_expired(*, campaign_id: int, now: datetime | None = None) -> dict:
    """Recipients left `sending` without a SID past their lease (their worker died or lost the
    answer): ask the provider whether the message was accepted; store its SID, or queue the
    recipient again (its unsent message is marked not sent). Returns {"found": n, "requeued": n}.
    """
    now = now or timezone.now()
    counts = {"found": 0, "requeued": 0}
    with transaction.atomic():
        stale = _expired_claims(campaign_id, now)
        if not stale:
            return counts
        find = _sent_finder(stale[0].company_id)
        settled = []
        for recipient in stale:
            try:
                found = find(recipient.message)
            except ProviderError as exc:  # asked again at the next tick
                logger.warning("campaign recipient %s: lookup failed: %s", recipient.pk, exc)
                continue
            if found is not None:
                _adopt(recipient, found, now)
                counts["found"] += 1
            else:
                _requeue(recipient, now)
                counts["requeued"] += 1
            settled.append(recipient)
        CampaignRecipient.objects.bulk_update(
            settled, ["state", "sent_at", "lease_until", "message", "updated_at"]
        )
    if settled:
        logger.warning(
            "campaign %s: reconciled %s expired claims (%s accepted, %s sent again)",
            campaign_id,
            len(stale),
            counts["found"],
            counts["requeued"],
        )
    return counts


def _expired_claims(campaign_id: int, now: datetime) -> list[CampaignRecipient]:
    """Up to 500 claims past their lease without a SID, locked (others' are skipped)."""
    return list(
        CampaignRecipient.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            campaign_id=campaign_id,
            state=RecipientState.SENDING,
            sent_at__isnull=True,
            lease_until__lt=now,
        )
        .select_related("message")[:500]
    )


def _sent_finder(company_id: int):
    """`find(message)`: the message as the company's provider has it, or None (also for a claim
    that made no message). Raises ProviderError when the provider cannot be asked."""
    from whatsapp.providers import get_backend
    from whatsapp.services.recovery import sent_message_find
    from whatsapp.services.settings import credentials_for

    settings = WhatsAppSettings.objects.get(company_id=company_id)
    backend = get_backend(credentials=credentials_for(settings))

    def find(message: Message | None):
        if message is None:
            return None
        return sent_message_find(
            backend=backend,
            to=message.to_number,
            since=message.created_at,
            body=message.body,
            is_template=True,
        )

    return find


def _adopt(recipient: CampaignRecipient, found, now: datetime) -> None:
    """The provider has the message: store its SID; the recipient was sent when it was made."""
    message = recipient.message
    Message.objects.filter(pk=message.pk, sid__isnull=True).update(sid=found.sid, updated_at=now)
    recipient.sent_at = message.created_at
    recipient.lease_until = None
    recipient.updated_at = now


def _requeue(recipient: CampaignRecipient, now: datetime) -> None:
    """The provider never got it: the message is marked not sent, the recipient queued again."""
    if recipient.message is not None:
        Message.objects.filter(pk=recipient.message.pk, sid__isnull=True).update(
            status=MessageStatus.NOT_SENT,
            error_message="Not sent: the worker sending it stopped; sent again.",
            updated_at=now,
        )
    recipient.state = RecipientState.QUEUED
    recipient.lease_until = None
    recipient.message = None
    recipient.updated_at = now
