"""Writes for bulk campaigns: create/edit/delete, pre-flight, actions (start, pause, resume, stop,
retry failed), fan-out in SQL, and following messages (status callbacks, replies, STOP).

Sending itself is `automations.campaigns.dispatch` (workers, in batches).
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from automations.campaigns import audience as audience_sql
from automations.campaigns import rules
from automations.campaigns.models import Campaign, CampaignRecipient, RecipientState
from gymsales.errors import DomainError, FieldErrors
from gymsales.models import Club, Company, ConsentChannel, ConsentSource, Person, User
from gymsales.parsing import YEAR_MAX, YEAR_MIN, year_in_range
from templates_app.models import MessageTemplate
from whatsapp import rules as rules_wa
from whatsapp import selectors as wa_selectors
from whatsapp.models import Message

logger = logging.getLogger(__name__)

# `reason` of a recipient a stop left unsent (state not_sent).
STOPPED_REASON = "stopped"

OUT_OF_RANGE = f"Must be between the years {YEAR_MIN} and {YEAR_MAX}."


def campaign_time_zone(*, company: Company, audience: dict | None):
    """The club's time zone when the audience is one club with its own, else the company's."""
    club_id = (audience or {}).get("club_id")
    if club_id:
        club_tz = Club.objects.filter(company=company, pk=club_id).values_list(
            "time_zone", flat=True
        )
        tz_name = club_tz.first()
        if tz_name:
            from zoneinfo import ZoneInfo

            return ZoneInfo(tz_name)
    return company.tzinfo


def campaign_wall_clock(*, company: Company, audience: dict | None, value: datetime | None):
    """A start time typed without an offset (the page's `datetime-local`, the API's naive
    `scheduled_at`) is a wall-clock time in the campaign's time zone (`campaign_time_zone`);
    one with an offset is kept. The one rule for the page and the API."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, campaign_time_zone(company=company, audience=audience))


def _template(company: Company, template_id) -> MessageTemplate:
    template = MessageTemplate.objects.filter(company=company, pk=template_id).first()
    if template is None:
        raise FieldErrors({"template_id": ["No such template."]})
    if not template.is_sendable:
        raise DomainError(
            "Only an approved template can be sent in a campaign.",
            code="template_not_approved",
            field="template_id",
        )
    return template


def _check_audience(company: Company, audience: dict) -> dict:
    """The audience as stored: its ids are the company's, its dates plausible; empty filters
    dropped, dates as ISO strings, person_ids sorted once each."""
    errors = {**_audience_id_errors(company, audience), **_audience_date_errors(audience)}
    if errors:
        raise FieldErrors(errors)
    clean = {}
    for key in audience_sql.AUDIENCE_KEYS:
        value = audience.get(key)
        if value is None or value == "" or value == []:
            continue
        clean[key] = value.isoformat() if hasattr(value, "isoformat") else value
    if "person_ids" in clean:
        clean["person_ids"] = sorted(set(clean["person_ids"]))
    return clean


def _audience_id_errors(company: Company, audience: dict) -> dict[str, list[str]]:
    """Another company's club, owner or people are as unknown as missing ones."""
    errors: dict[str, list[str]] = {}
    if (
        audience.get("club_id")
        and not Club.objects.filter(company=company, pk=audience["club_id"]).exists()
    ):
        errors["audience.club_id"] = ["No such club."]
    if (
        audience.get("owner_id")
        and not User.objects.filter(company=company, pk=audience["owner_id"]).exists()
    ):
        errors["audience.owner_id"] = ["No such user."]
    ids = audience.get("person_ids")
    if ids:
        known = Person.objects.filter(company=company, pk__in=ids).count()
        if known != len(set(ids)):
            errors["audience.person_ids"] = ["Some of these people do not exist."]
    return errors


def _audience_date_errors(audience: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key in ("created_after", "created_before", "last_contacted_before"):
        value = audience.get(key)
        if value and not year_in_range(value):
            errors[f"audience.{key}"] = [OUT_OF_RANGE]
    after, before = audience.get("created_after"), audience.get("created_before")
    if after and before and not errors and after > before:
        errors["audience.created_before"] = ["Must be on or after created_after."]
    return errors


def _quiet_hours(value: dict | None) -> tuple[time | None, time | None]:
    """Both ends or neither, and a window of some length (its end is when sending resumes)."""
    hours = value or {}
    start, end = hours.get("start"), hours.get("end")
    if (start is None) != (end is None):
        raise FieldErrors({"quiet_hours": ["Give both start and end, or neither."]})
    if start is not None and start == end:
        raise FieldErrors({"quiet_hours": ["Start and end must differ."]})
    return start, end


def _apply(campaign: Campaign, data: dict[str, Any]) -> None:
    company = campaign.company
    if "name" in data:
        campaign.name = data["name"]
    if "template_id" in data:
        campaign.template = _template(company, data["template_id"])
    if "variables" in data:
        campaign.variables = data["variables"] or {}
    if "audience" in data:
        campaign.audience = _check_audience(company, data["audience"] or {})
    if "scheduled_at" in data:
        if data["scheduled_at"] is not None and not year_in_range(data["scheduled_at"]):
            raise FieldErrors({"scheduled_at": [OUT_OF_RANGE]})
        campaign.scheduled_at = campaign_wall_clock(
            company=company, audience=campaign.audience, value=data["scheduled_at"]
        )
    if "quiet_hours" in data:
        campaign.quiet_hours_start, campaign.quiet_hours_end = _quiet_hours(data["quiet_hours"])
    if campaign.template_id:
        _check_variables(campaign)


def _check_variables(campaign: Campaign) -> None:
    from templates_app.rendering import template_variable_numbers

    template = campaign.template
    numbers = template_variable_numbers(
        ((template.header or {}).get("text", "") if isinstance(template.header, dict) else "")
        + "\n"
        + template.body
    )
    mapping = {**(template.variables or {}), **(campaign.variables or {})}
    missing = [n for n in numbers if not mapping.get(n)]
    if missing:
        raise FieldErrors(
            {
                "variables": [
                    "Map every variable of the template to a person field or a fixed value "
                    f"(missing: {', '.join('{{' + n + '}}' for n in missing)})."
                ]
            }
        )


def campaign_create(*, company: Company, user: User, data: dict[str, Any]) -> Campaign:
    campaign = Campaign(company=company, created_by=user, audience={}, variables={})
    if "template_id" not in data:
        raise FieldErrors({"template_id": ["This field is required."]})
    _apply(campaign, data)
    campaign.save()
    return campaign


def campaign_update(*, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not locked.is_editable:
            raise DomainError(
                "Only a draft or scheduled campaign can be changed.", code="invalid_state"
            )
        _apply(locked, data)
        locked.preflight = None
        locked.preflight_at = None
        if locked.status == rules.SCHEDULED and locked.scheduled_at is None:
            locked.status = rules.DRAFT  # nothing to wait for: started by hand again
        locked.save()
    return locked


def campaign_delete(*, campaign: Campaign) -> None:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not locked.is_editable:
            raise DomainError(
                "Only a draft or scheduled campaign can be deleted.", code="invalid_state"
            )
        locked.recipients.all().delete()
        locked.delete()


# --- Pre-flight and fan-out -------------------------------------------------------------------


def _classification(campaign: Campaign, now: datetime) -> audience_sql.Classification:
    settings = wa_selectors.whatsapp_settings_for(company=campaign.company)
    return audience_sql.classification(
        company=campaign.company,
        audience=campaign.audience,
        marketing=campaign.template.category == "marketing",
        messaging_limit=settings.messaging_limit,
        now=now,
    )


def campaign_preflight(*, campaign: Campaign) -> dict:
    """Who will be reached and who is excluded, by reason; computed now, stored with the campaign.
    Once the campaign fanned out its recipients are made: the figures are theirs, kept as they
    were (a later pre-flight would describe a send that will not happen)."""
    if campaign.fanned_out_at is not None and campaign.preflight is not None:
        return campaign.preflight
    now = timezone.now()
    result = audience_sql.preflight_counts(_classification(campaign, now))
    Campaign.objects.filter(pk=campaign.pk).update(preflight=result, preflight_at=now)
    campaign.preflight, campaign.preflight_at = result, now
    return result


def campaign_fan_out(*, campaign_id: int) -> int:
    """One recipient row per person of the audience, in ONE `INSERT … SELECT` (the pre-flight's
    classification: excluded rows keep their reason). Idempotent: a campaign fans out once.
    Returns the recipients made now.
    """
    now = timezone.now()
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update()
            .select_related("company", "template")
            .get(pk=campaign_id)
        )
        if campaign.fanned_out_at is not None:
            return 0
        cls = _classification(campaign, now)
        table = CampaignRecipient._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (company_id, campaign_id, person_id, phone, state, reason,"  # noqa: S608 (table name and generated SQL)
                " error_code, error_message, attempts, retrying, updated_at)"
                f" SELECT %s, %s, c.person_id, c.phone,"
                " CASE WHEN c.reason IS NULL THEN 'queued' ELSE 'excluded' END,"
                " COALESCE(c.reason, ''), '', '', 0, false, %s"
                f" FROM ({cls.sql}) c ON CONFLICT (campaign_id, person_id) DO NOTHING",
                [campaign.company_id, campaign.pk, now, *cls.params],
            )
            made = cursor.rowcount
            cursor.execute(
                f"SELECT reason, count(*) FROM {table} WHERE campaign_id = %s GROUP BY reason",  # noqa: S608
                [campaign.pk],
            )
            by_reason = dict(cursor.fetchall())
        preflight = {
            "will_send": by_reason.get("", 0),
            "excluded": {r: by_reason.get(r, 0) for r in audience_sql.EXCLUSION_REASONS},
        }
        Campaign.objects.filter(pk=campaign.pk).update(
            fanned_out_at=now, preflight=preflight, preflight_at=now
        )
    return made


# --- Actions ----------------------------------------------------------------------------------


def _invalid_state(action: str, status: str) -> DomainError:
    return DomainError(
        f"A {status} campaign cannot be asked to {action.replace('-', ' ')}.", code="invalid_state"
    )


def campaign_act(*, campaign: Campaign, action: str) -> Campaign:
    """start, pause, resume, stop, retry-failed. Dispatch workers see the new status within a
    fraction of a second (they re-read it between batches); 409 `invalid_state` is the API's.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_for_action(campaign.pk)
        _check_action(locked, action)
        target = rules.action_target(
            action=action, status=locked.status, scheduled_at=locked.scheduled_at, now=now
        )
        if action == "retry-failed" and not _requeue_failed(locked, now):
            raise DomainError(
                "There are no temporarily failed recipients to retry.", code="nothing_to_retry"
            )
        _campaign_move(locked, target, now)
    if target == rules.RUNNING:
        from automations.campaigns.queueing import campaign_dispatch_kick

        transaction.on_commit(lambda: campaign_dispatch_kick(locked.pk))
    return locked


def _locked_for_action(campaign_id: int) -> Campaign:
    # Only the campaign's row, and FOR NO KEY UPDATE: a dispatch claim's commit checks its rows'
    # foreign keys (FOR KEY SHARE on the campaign and company); a stronger lock here would
    # deadlock with it while a stop settles the queued recipients.
    return (
        Campaign.objects.select_for_update(of=("self",), no_key=True)
        .select_related("company", "template")
        .get(pk=campaign_id)
    )


def _check_action(campaign: Campaign, action: str) -> None:
    """The status allows the action; a start also needs its template approved and WhatsApp on."""
    if action not in rules.ACTIONS or not rules.action_allowed(
        action=action, status=campaign.status
    ):
        raise _invalid_state(action, campaign.status)
    if action != "start":
        return
    if not campaign.template.is_sendable:
        raise DomainError(
            "Only an approved template can be sent in a campaign.", code="template_not_approved"
        )
    if not wa_selectors.whatsapp_settings_for(company=campaign.company).is_usable:
        raise DomainError("WhatsApp is not enabled for this company.", code="whatsapp_disabled")


def _campaign_move(campaign: Campaign, target: str, now: datetime) -> None:
    """The new status with its times, and what it means for the recipients still to be sent:
    a stop ends them not_sent, a pause holds whatsapp's automatic retries, running releases them."""
    campaign.status = target
    if target == rules.RUNNING:
        campaign.started_at = campaign.started_at or now
        campaign.finished_at = None
    if target == rules.STOPPED:
        campaign.finished_at = now
    campaign.save(update_fields=["status", "started_at", "finished_at", "updated_at"])
    if target == rules.STOPPED:
        recipients_settle_stopped(campaign_id=campaign.pk, now=now)
    elif target == rules.PAUSED:
        automatic_retries_hold(campaign_id=campaign.pk)
    elif target == rules.RUNNING:
        automatic_retries_release(campaign_id=campaign.pk, now=now)


def _requeue_failed(campaign: Campaign, now: datetime) -> int:
    """Failed recipients whose failure is temporary go back to the queue (never a permanent one,
    never 63049 within 24 h: rules.retryable)."""
    permanent = sorted(rules.PERMANENT_ERRORS)
    return (
        CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.FAILED)
        .exclude(error_code__in=permanent)
        .exclude(
            error_code=rules.LIMITED_BY_META,
            failed_at__gt=now - rules.LIMITED_BY_META_WAIT,
        )
        .update(
            state=RecipientState.QUEUED,
            retrying=True,
            lease_until=None,
            updated_at=now,
        )
    )


def recipients_settle_stopped(*, campaign_id: int, now: datetime | None = None) -> int:
    """A stopped campaign sends nobody else: recipients still queued (or re-queued by retry-failed)
    end `not_sent` with the reason `stopped`, and so do those waiting for whatsapp's automatic 63010
    retry (`automatic_retries_cancel`). Claims a worker holds are settled by that worker (it
    finishes its requests in flight within the 2 s of a stop); claims whose worker died are
    reconciled once their lease ran out (tasks.campaigns_settle_stopped)."""
    now = now or timezone.now()
    queued = CampaignRecipient.objects.filter(campaign_id=campaign_id, state=RecipientState.QUEUED)
    return _end_stopped(queued, now) + automatic_retries_cancel(campaign_id=campaign_id, now=now)


def _end_stopped(recipients, now: datetime) -> int:
    return recipients.update(
        state=RecipientState.NOT_SENT,
        reason=STOPPED_REASON,
        retrying=False,
        lease_until=None,
        updated_at=now,
    )


# --- whatsapp's automatic 63010 retry of a campaign message ---------------------------------------
#
# whatsapp queues a copy of a message that failed with 63010 on its 1:1 path, due a minute later
# (whatsapp.services.delivery), and its recipient follows the copy (`recipients_follow_retry`).
# The copy is still the campaign's: a stop cancels it, a pause holds it until resume. Each is one
# conditional UPDATE on the copy while it is `queued`, the same row whatsapp's claim updates: a
# copy already claimed is in flight (as a dispatch worker's requests are at a stop), one not yet
# claimed never leaves. The copy is held by moving its due time RETRY_HOLD into the future, so
# resume gives it back the due time it had.

RETRY_HOLD = "interval '100 years'"
STOPPED_MESSAGE = "Not sent: the campaign was stopped."
PAUSED_RETRY_WAIT_SECONDS = 5.0


def _automatic_retries_sql(set_clause: str, extra_condition: str = "") -> str:
    message, recipient = Message._meta.db_table, CampaignRecipient._meta.db_table
    return (
        f"UPDATE {message} m SET {set_clause} FROM {recipient} r"  # noqa: S608 (fixed SQL)
        " WHERE r.campaign_id = %s AND r.state = 'sending' AND r.message_id = m.id"
        f" AND m.status = 'queued' AND m.retry_of_id IS NOT NULL {extra_condition} RETURNING m.id"
    )


def automatic_retries_cancel(*, campaign_id: int, now: datetime) -> int:
    """Stop: the campaign's automatic retries not yet claimed are not sent, and their recipients end
    `not_sent` (stopped). Returns the recipients settled."""
    with connection.cursor() as cursor:
        cursor.execute(
            _automatic_retries_sql("status = 'not_sent', error_message = %s, updated_at = %s"),
            [STOPPED_MESSAGE, now, campaign_id],
        )
        cancelled = [row[0] for row in cursor.fetchall()]
    if not cancelled:
        return 0
    return _end_stopped(
        CampaignRecipient.objects.filter(campaign_id=campaign_id, message_id__in=cancelled), now
    )


def automatic_retries_hold(*, campaign_id: int) -> int:
    """Pause: the campaign's automatic retries not yet claimed wait (they still count as
    `retrying`). Returns the messages held."""
    with connection.cursor() as cursor:
        cursor.execute(
            _automatic_retries_sql(
                f"send_after = COALESCE(m.send_after, now()) + {RETRY_HOLD}",
                f"AND COALESCE(m.send_after, now()) < now() + {RETRY_HOLD} / 2",
            ),
            [campaign_id],
        )
        return cursor.rowcount


def automatic_retries_release(*, campaign_id: int, now: datetime) -> int:
    """Resume (or retry-failed): held automatic retries are due again when they were due before
    the pause; whatsapp's sweep hands them to a worker then. Returns the messages released."""
    with connection.cursor() as cursor:
        cursor.execute(
            _automatic_retries_sql(
                f"send_after = m.send_after - {RETRY_HOLD}, updated_at = %s",
                f"AND m.send_after >= now() + {RETRY_HOLD} / 2",
            ),
            [now, campaign_id],
        )
        return cursor.rowcount


def automatic_retry_check(*, message_id: int) -> rules_wa.Refusal | float | None:
    """whatsapp asks, when it claims an automatic retry to send it: may it go now? A stopped
    campaign's: never (not sent, `stopped`); a paused one's: not yet (asked again in a few
    seconds). Anything else, or a retry of no campaign: None, send it."""
    status = (
        CampaignRecipient.objects.filter(message_id=message_id)
        .values_list("campaign__status", flat=True)
        .first()
    )
    if status == rules.STOPPED:
        return rules_wa.Refusal(code=STOPPED_REASON, message=STOPPED_MESSAGE)
    if status == rules.PAUSED:
        return PAUSED_RETRY_WAIT_SECONDS
    return None


def campaigns_start_due(*, now: datetime | None = None) -> list[int]:
    """Scheduled campaigns whose time has come start running (beat)."""
    from gymsales.tenancy import all_companies

    now = now or timezone.now()
    with all_companies():
        due = list(
            Campaign.objects.filter(status=rules.SCHEDULED, scheduled_at__lte=now).values_list(
                "pk", flat=True
            )
        )
        started = Campaign.objects.filter(pk__in=due, status=rules.SCHEDULED).update(
            status=rules.RUNNING, started_at=now
        )
    if started:
        from automations.campaigns.queueing import campaign_dispatch_kick

        for pk in due:
            campaign_dispatch_kick(pk)
    return due


# --- Following the messages: status callbacks, replies, STOP ------------------------------------


def recipients_follow_status(*, message_ids: list[int], status: str, error_code: str = "") -> int:
    """A batch of messages moved to `status`: their campaign recipients move forward too.
    `not_sent` (a 63010 retry refused at send time) keeps the refusal's code as the reason."""
    if not message_ids:
        return 0
    now = timezone.now()
    state = {"undelivered": RecipientState.FAILED}.get(status, status)
    if state not in rules.RECIPIENT_RANK and state not in (
        RecipientState.FAILED,
        RecipientState.NOT_SENT,
    ):
        return 0
    sets = "state = %s, updated_at = %s"
    params: list[Any] = [state, now]
    if state == RecipientState.FAILED:
        # It never reached them: an opt-out counted meanwhile was not after it reached them.
        sets += ", error_code = %s, failed_at = %s, lease_until = NULL, opted_out_at = NULL"
        params += [(error_code or "")[:16], now]
    elif state == RecipientState.NOT_SENT:
        sets += ", reason = %s, lease_until = NULL, retrying = false, opted_out_at = NULL"
        params += [(error_code or "")[:32]]
    elif rules.RECIPIENT_RANK[state] >= rules.RECIPIENT_RANK[RecipientState.SENT]:
        # Reached them (an automatic retry's recipient gets its time here).
        sets += ", sent_at = COALESCE(sent_at, %s), retrying = false, error_code = ''"
        params += [now]
    # One statement per batch whatever its size: the ids as one array parameter.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CampaignRecipient._meta.db_table} SET {sets}"  # noqa: S608 (fixed SQL)
            " WHERE message_id = ANY(%s) AND state = ANY(%s)",
            [*params, list(message_ids), rules.states_before(state)],
        )
        return cursor.rowcount


def recipients_follow_retry(*, message_id: int, retry_id: int, error_code: str) -> int:
    """whatsapp queued a failed campaign message again by itself (63010, once, a minute later):
    its recipient follows the retry. It counts as `retrying` until Twilio reports the retry sent,
    then moves on with it (or fails / is not sent with it). A new attempt, like retry-failed; the
    failed one never reached them, so an opt-out counted after it no longer counts.

    The retry is the campaign's: a stopped campaign cancels it at once (the recipient ends
    `not_sent`, stopped), a paused one holds it until resume, and a completed one runs again
    until it is sent (so it can still be paused or stopped, and completes after it)."""
    campaign = (
        Campaign.objects.select_for_update(of=("self",), no_key=True)
        .filter(recipients__message_id=message_id)
        .values("pk", "status")
        .first()
    )
    if campaign is None:
        return 0
    # The campaign row first, then its recipient: the order campaign_act locks them in.
    followed = (
        CampaignRecipient.objects.filter(campaign_id=campaign["pk"], message_id=message_id)
        .exclude(state__in=[RecipientState.EXCLUDED, RecipientState.NOT_SENT])
        .update(
            message_id=retry_id,
            state=RecipientState.SENDING,
            retrying=True,
            sent_at=None,
            opted_out_at=None,
            lease_until=None,
            failed_at=None,
            error_code=(error_code or "")[:16],
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    )
    if followed:
        _automatic_retry_placed(campaign_id=campaign["pk"], status=campaign["status"])
    return followed


def _automatic_retry_placed(*, campaign_id: int, status: str) -> None:
    """What the campaign's status means for an automatic retry just queued: a stop cancels it, a
    pause holds it, a completed campaign runs again (its dispatcher completes it once the retry is
    sent)."""
    now = timezone.now()
    if status == rules.STOPPED:
        automatic_retries_cancel(campaign_id=campaign_id, now=now)
    elif status == rules.PAUSED:
        automatic_retries_hold(campaign_id=campaign_id)
    elif status == rules.COMPLETED and Campaign.objects.filter(
        pk=campaign_id, status=rules.COMPLETED
    ).update(status=rules.RUNNING, finished_at=None, updated_at=now):
        from automations.campaigns.queueing import campaign_dispatch_kick

        transaction.on_commit(lambda: campaign_dispatch_kick(campaign_id))


def _opted_out_after_reached(*, person_id: int, at: datetime) -> None:
    """API.md: `opted_out` counts "recipients who opted out after it reached them". Every campaign
    whose message reached the person before `at` (accepted by Twilio and not failed since) counts
    them, once: a second opt-out (a repeated STOP, staff after a STOP) adds nothing. A message
    that fails afterwards never reached them (`recipients_follow_status` takes it back)."""
    CampaignRecipient.objects.filter(
        person_id=person_id,
        sent_at__lte=at,
        state__in=rules.REACHED_STATES,
        opted_out_at__isnull=True,
    ).update(opted_out_at=at)


def recipients_follow_inbound(*, message, stop: bool) -> None:
    """A reply within 72 h of a campaign message counts as replied; a STOP after a campaign
    reached someone counts as opted out (for the latest campaign that reached them), at the time
    the STOP was received."""
    person_id, received_at = message.person_id, message.created_at
    CampaignRecipient.objects.filter(
        person_id=person_id,
        sent_at__lte=received_at,
        sent_at__gte=received_at - rules.REPLY_WINDOW,
        replied_at__isnull=True,
    ).update(replied_at=received_at)
    if stop:
        _opted_out_after_reached(person_id=person_id, at=received_at)


def recipients_follow_opt_out(*, person, channel: str, opted_out: bool, source: str) -> None:
    """An opt-out by staff (Client Profile) or through the people API after a campaign reached the
    person counts as opted out on that campaign, as a STOP reply does (the core's consent path).
    A STOP is counted by `recipients_follow_inbound`, at the time it was received."""
    if channel != ConsentChannel.WHATSAPP or not opted_out or source == ConsentSource.KEYWORD:
        return
    _opted_out_after_reached(person_id=person.pk, at=timezone.now())
