"""Writes for WhatsApp: settings, sending (rules, queue, delivery), webhooks, errors as notes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from gymsales.errors import DomainError, FieldErrors
from gymsales.models import (
    Club,
    Company,
    ConsentChannel,
    ConsentSource,
    NoteKind,
    Person,
    SaleType,
    User,
)
from gymsales.phones import InvalidPhoneNumber, to_e164
from gymsales.services import note_create, person_create, person_set_opt_out
from gymsales.tenancy import all_companies, company_scope
from whatsapp import errors as wa_errors
from whatsapp import rules, selectors
from whatsapp.models import (
    Conversation,
    Direction,
    Message,
    MessageStatus,
    WebhookEvent,
    WhatsAppSettings,
)
from whatsapp.providers import (
    Credentials,
    OutboundMessage,
    ProviderError,
    get_backend,
)

logger = logging.getLogger(__name__)

STATUS_CALLBACK_PATH = "/webhooks/twilio/whatsapp/status"
INBOUND_PATH = "/webhooks/twilio/whatsapp/inbound"
MAX_TRANSIENT_ATTEMPTS = 5
HOLD_AFTER_RATE_LIMIT = timedelta(hours=24)
SALE_TYPE_NAMES = {"membership": "Membership", "secondary": "Secondary Sales"}


def whatsapp_settings_update(*, company: Company, data: dict[str, Any]) -> WhatsAppSettings:
    """Platform admin: enable/disable WhatsApp and set the Twilio sender.

    Re-enabling clears a suspension (error 63020). An omitted auth token keeps the stored one.
    """
    sender = data.get("sender_number")
    if sender and (
        WhatsAppSettings.objects.filter(sender_number=sender).exclude(company=company).exists()
    ):
        raise FieldErrors({"sender_number": ["Another company already uses this sender number."]})
    with transaction.atomic():
        settings, _ = WhatsAppSettings.objects.select_for_update().get_or_create(company=company)
        for field, value in data.items():
            setattr(settings, field, value)
        if data.get("enabled") is True:
            settings.suspended_reason = ""
            settings.suspended_at = None
        settings.save()  # invalidates every process's account cache (whatsapp.apps)
    return settings


def credentials_for(settings: WhatsAppSettings) -> Credentials:
    return Credentials(
        company_id=settings.company_id,
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        sender_number=settings.sender_number,
        messaging_service_sid=settings.messaging_service_sid,
    )


# --- Sending: the request side ----------------------------------------------------------------


def _sale_type(sale_type) -> SaleType | None:
    if sale_type is None or isinstance(sale_type, SaleType):
        return sale_type
    key = str(sale_type)
    if key not in SALE_TYPE_NAMES:
        found = SaleType.objects.filter(key=key).first()
        if found is None:
            raise FieldErrors({"sale_type": ["Must be membership or secondary."]})
        return found
    return SaleType.objects.get_or_create(key=key, defaults={"name": SALE_TYPE_NAMES[key]})[0]


def message_send(
    *,
    person: Person,
    user: User | None,
    body: str | None = None,
    template=None,
    variables: dict | None = None,
    sale_type=None,
    origin: str = "direct",
    automation_run=None,
) -> Message:
    """Check every rule of SPEC §3 (whatsapp.rules); record Message(queued) + a whatsapp_sent note
    and enqueue the send on commit. Raises DomainError with the rule's code; refusals write nothing.

    With a template, `body` (if given) is the text as edited by staff: differing from the rendered
    template makes it an edited template, sent as free text (inside a session only).
    """
    company = person.company
    settings = selectors.whatsapp_settings_for(company=company)
    now = timezone.now()
    sale_type = _sale_type(sale_type)
    rendered = None
    edited = False
    if template is not None:
        if template.company_id != company.pk:
            raise DomainError("No such template.", code="template_not_found", field="template_id")
        if template.is_sendable:
            from templates_app.rendering import template_render

            rendered = template_render(template=template, person=person, variables=variables)
        text = rendered.text if rendered else template.body
        if body is not None and body.strip() and rendered is not None:
            edited = body.strip() != rendered.text.strip()
            text = body if edited else rendered.text
    else:
        text = body or ""
    active = rules.session_is_active(
        expires_at=selectors.session_expires_at(person=person), now=now
    )
    is_template = template is not None
    facts_kwargs: dict[str, Any] = {}
    if is_template and template.category == "marketing":
        facts_kwargs["marketing_since_reply"] = selectors.marketing_sent_since_reply(
            person=person, now=now
        )
    business_initiated = rules.is_business_initiated(is_template=is_template, session_active=active)
    facts = rules.SendFacts(
        whatsapp_usable=settings.is_usable,
        opted_out=person.whatsapp_opted_out,
        has_mobile=bool(person.phone_mobile),
        is_template=is_template,
        template_sendable=bool(template is not None and template.is_sendable),
        template_marketing=bool(template is not None and template.category == "marketing"),
        edited=edited,
        text_length=len(text),
        session_active=active,
        messaging_limit=settings.messaging_limit,
        **facts_kwargs,
    )
    refusal = rules.send_refusal(facts)
    if refusal is not None:
        raise DomainError(refusal.message, code=refusal.code)
    with transaction.atomic():
        if business_initiated and settings.messaging_limit is not None:
            _check_messaging_limit(settings=settings, person=person, facts=facts, now=now)
        message = Message.objects.create(
            company=company,
            person=person,
            direction=Direction.OUTBOUND,
            body=text,
            template=template,
            content_variables=(rendered.content_variables if rendered and not edited else {}),
            status=MessageStatus.QUEUED,
            sent_by=user,
            sale_type=sale_type,
            to_number=person.phone_mobile,
            from_number=settings.sender_number,
            origin=origin,
            business_initiated=business_initiated,
            template_edited=edited,
            created_at=now,
        )
        note_create(
            person=person,
            company=company,
            kind=NoteKind.WHATSAPP_SENT,
            text=f"WhatsApp sent to {person.full_name}: {text}",
            user=user,
            message=message,
            created_at=now,
        )
        message_enqueue(message_id=message.pk)
    return message


def _check_messaging_limit(
    *, settings: WhatsAppSettings, person: Person, facts: rules.SendFacts, now: datetime
) -> None:
    """The unique-people limit, counted and then used under a lock on the company's settings row.

    Counting then inserting is a race: two sends to two new people at the limit would both pass.
    Locking serialises only business-initiated sends of this company, and only while it counts.
    """
    WhatsAppSettings.objects.select_for_update().filter(pk=settings.pk).values_list("pk").first()
    reached = selectors.people_reached_24h(company=person.company, now=now)
    already = reached.filter(person_id=person.pk).exists()
    counted = replace(
        facts,
        person_already_reached=already,
        people_reached_24h=0 if already else reached.count(),
    )
    refusal = rules.send_refusal(counted)
    if refusal is not None:
        raise DomainError(refusal.message, code=refusal.code)


def message_enqueue(*, message_id: int, countdown: float = 0) -> None:
    """Send the message from a worker once the current transaction commits."""
    from whatsapp.tasks import message_deliver_task

    def enqueue():
        if countdown:
            message_deliver_task.apply_async(args=[message_id], countdown=countdown)
        else:
            message_deliver_task.delay(message_id)

    transaction.on_commit(enqueue)


def person_whatsapp_opt_out(*, person: Person, user: User | None) -> None:
    """Staff opt-out from the Client Profile (ConsentRecord + opt_out Note).

    Opting back in is only possible through peopleUpdate. Refused while WhatsApp is disabled.
    """
    settings = selectors.whatsapp_settings_for(company=person.company)
    if not settings.is_usable:
        raise DomainError("WhatsApp is not enabled for this company.", code="whatsapp_disabled")
    person_set_opt_out(
        person=person,
        channel=ConsentChannel.WHATSAPP,
        opted_out=True,
        source=ConsentSource.APP,
        user=user,
    )


# --- Sending: the worker side -------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverOutcome:
    """What the task should do next: nothing (`retry_in` None) or run again after `retry_in` s."""

    state: str  # sent | held | throttled | retrying | failed | skipped
    retry_in: float | None = None


@dataclass(frozen=True)
class _Claimed:
    """A message claimed for sending (queued → sending) with what the send needs."""

    pk: int
    company_id: int
    to_number: str
    body: str
    content_variables: dict
    template_edited: bool
    send_attempts: int
    content_sid: str  # the template's, "" without one
    enabled: bool
    suspended_reason: str
    sends_held_until: datetime | None
    max_messages_per_second: int
    account_sid: str
    auth_token: str
    sender_number: str
    messaging_service_sid: str


def _claim_sql() -> str:
    message = Message._meta.db_table
    wa = WhatsAppSettings._meta.db_table
    template = Message._meta.get_field("template").related_model._meta.db_table
    return (
        f"UPDATE {message} m SET status = %s, send_attempts = m.send_attempts + 1,"  # noqa: S608 (table names only)
        " updated_at = %s"
        f" FROM {wa} s WHERE m.id = %s AND m.status = %s AND s.company_id = m.company_id"
        " RETURNING m.id, m.company_id, m.to_number, m.body, m.content_variables,"
        " m.template_edited, m.send_attempts,"
        f" COALESCE((SELECT t.content_sid FROM {template} t WHERE t.id = m.template_id), ''),"
        " s.enabled, s.suspended_reason, s.sends_held_until, s.max_messages_per_second,"
        " s.twilio_account_sid, s.twilio_auth_token, s.sender_number, s.messaging_service_sid"
    )


_CLAIM_SQL: str | None = None


def _claim(message_id: int, now: datetime) -> _Claimed | None:
    """Claim a queued message (conditional UPDATE: only one task ever gets it) and read, in the
    same statement, the message, its template's content_sid and the company's settings.
    """
    global _CLAIM_SQL
    if _CLAIM_SQL is None:
        _CLAIM_SQL = _claim_sql()
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [MessageStatus.SENDING, now, message_id, MessageStatus.QUEUED])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    if isinstance(values[4], str):  # jsonb comes back as text without a registered loader
        import json

        values[4] = json.loads(values[4])
    return _Claimed(*values)


def _release(message_id: int, now: datetime) -> None:
    """Undo a claim that did not send (held, throttled): back to queued, the attempt not counted."""
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
        status=MessageStatus.QUEUED, send_attempts=F("send_attempts") - 1, updated_at=now
    )


def message_deliver(*, message_id: int) -> DeliverOutcome:
    """Send one queued message, at most once. Idempotent: a duplicate or retried task finds the
    message already claimed and does nothing. No transaction is open during the provider call.

    Two statements on the happy path: claim-and-read (a conditional UPDATE queued → sending
    RETURNING the message, its template's content_sid and the company's settings), then store
    the SID. A claim that may not send now (disabled, held, throttled) is settled or undone.
    """
    now = timezone.now()
    with all_companies():
        claimed = _claim(message_id, now)
    if claimed is None:
        return DeliverOutcome("skipped")
    company_id = claimed.company_id
    with company_scope(company_id):
        if not claimed.enabled or claimed.suspended_reason:
            Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
                status=MessageStatus.NOT_SENT,
                error_message="WhatsApp is disabled for this company.",
                updated_at=now,
            )
            return DeliverOutcome("failed")
        if claimed.sends_held_until and claimed.sends_held_until > now:
            _release(message_id, now)
            wait = (claimed.sends_held_until - now).total_seconds() + 1
            return DeliverOutcome("held", retry_in=wait)
        from whatsapp.throttle import send_slot_wait

        wait = send_slot_wait(company_id=company_id, per_second=claimed.max_messages_per_second)
        if wait > 0:
            _release(message_id, now)
            return DeliverOutcome("throttled", retry_in=wait)
        content = bool(claimed.content_sid and not claimed.template_edited)
        outbound = OutboundMessage(
            message_id=claimed.pk,
            to=claimed.to_number,
            body="" if content else claimed.body,
            content_sid=claimed.content_sid if content else "",
            content_variables=claimed.content_variables if content else {},
            status_callback=django_settings.PUBLIC_BASE_URL + STATUS_CALLBACK_PATH,
        )
        backend = get_backend(
            credentials=Credentials(
                company_id=company_id,
                account_sid=claimed.account_sid,
                auth_token=claimed.auth_token,
                sender_number=claimed.sender_number,
                messaging_service_sid=claimed.messaging_service_sid,
            )
        )
        try:
            result = backend.send(outbound)
        except ProviderError as exc:
            message = Message(
                pk=message_id, company_id=company_id, send_attempts=claimed.send_attempts
            )
            return _delivery_failed(message=message, exc=exc)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Message._meta.db_table} SET sid = %s, updated_at = %s WHERE id = %s",  # noqa: S608 (table name only)
                [result.sid, timezone.now(), message_id],
            )
        backend.after_send(outbound, result)
        return DeliverOutcome("sent")


def _delivery_failed(*, message: Message, exc: ProviderError) -> DeliverOutcome:
    if exc.transient and message.send_attempts < MAX_TRANSIENT_ATTEMPTS:
        # Not sent (Twilio refused or we never reached it): back in the queue, retried with backoff.
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.QUEUED, updated_at=timezone.now()
        )
        backoff = min(5 * 2 ** (message.send_attempts - 1), 300)
        logger.info("message %s: transient error %s, retry in %ss", message.pk, exc, backoff)
        return DeliverOutcome("retrying", retry_in=backoff)
    message_failure_record(
        message=message, code=exc.code, error_message=str(exc), status=MessageStatus.FAILED
    )
    return DeliverOutcome("failed")


def message_failure_record(
    *, message: Message, code: str, error_message: str, status: str = MessageStatus.FAILED
) -> bool:
    """A failed/undelivered message: final status, a whatsapp_error note (person history and
    newsfeed), and what its error code asks for (SPEC §6). Returns False if already final.
    """
    code = str(code or "")
    now = timezone.now()
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if not rules.status_moves_forward(current=locked.status, new=status):
            return False
        locked.status = status
        locked.error_code = code
        locked.error_message = error_message or ""
        locked.limited_by_meta = code == wa_errors.LIMITED_BY_META
        locked.save(
            update_fields=["status", "error_code", "error_message", "limited_by_meta", "updated_at"]
        )
        person = locked.person
        note_create(
            person=person,
            company=person.company,
            kind=NoteKind.WHATSAPP_ERROR,
            text=wa_errors.error_note_text(
                code=code,
                first_name=person.first_name,
                last_name=person.last_name,
                twilio_message=error_message,
            ),
            message=locked,
        )
        _apply_error_effects(message=locked, code=code, now=now)
    return True


def _apply_error_effects(*, message: Message, code: str, now: datetime) -> None:
    if code in wa_errors.RETRY_ONCE_AFTER_SECONDS and message.retry_of_id is None:
        retry = Message.objects.create(
            company_id=message.company_id,
            person_id=message.person_id,
            direction=Direction.OUTBOUND,
            body=message.body,
            template_id=message.template_id,
            content_variables=message.content_variables,
            status=MessageStatus.QUEUED,
            sent_by_id=message.sent_by_id,
            sale_type_id=message.sale_type_id,
            to_number=message.to_number,
            from_number=message.from_number,
            origin=message.origin,
            business_initiated=message.business_initiated,
            template_edited=message.template_edited,
            retry_of=message,
        )
        message_enqueue(message_id=retry.pk, countdown=wa_errors.RETRY_ONCE_AFTER_SECONDS[code])
    elif code == wa_errors.HOLD_COMPANY_SENDS:
        WhatsAppSettings.objects.filter(company_id=message.company_id).update(
            sends_held_until=now + HOLD_AFTER_RATE_LIMIT
        )
    elif code == wa_errors.SUSPEND_COMPANY:
        WhatsAppSettings.objects.filter(company_id=message.company_id).update(
            enabled=False,
            suspended_at=now,
            suspended_reason=(
                "Twilio error 63020 (Business Manager account error): WhatsApp was suspended "
                "until a platform admin re-enables it."
            ),
        )
    elif code == wa_errors.SESSION_CLOSED:
        Conversation.objects.filter(
            company_id=message.company_id, person_id=message.person_id, session_expires_at__gt=now
        ).update(session_expires_at=now)


# --- Webhooks: store fast, process in a worker ----------------------------------------------------


def webhook_event_id(*, kind: str, params: dict) -> str:
    """The event's identity for store-once. It names the signing account, so an event signed by
    one account can never take the place of (and so suppress) the same event of another.
    """
    account = params.get("AccountSid") or ""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if kind == WebhookEvent.Kind.STATUS:
        status = params.get("MessageStatus") or params.get("SmsStatus") or ""
        return f"status:{account}:{sid}:{status}:{params.get('ErrorCode') or ''}"[:128]
    return f"inbound:{account}:{sid}"[:128]


def webhook_event_row(*, kind: str, params: dict, company_id: int) -> tuple:
    """The stored form of one callback: (event_id, kind, company_id, payload JSON, received at)."""
    import json

    return (
        webhook_event_id(kind=kind, params=params),
        kind,
        company_id,
        json.dumps(params),
        timezone.now(),
    )


def webhook_events_store_many(rows: list[tuple]) -> list[str]:
    """Store webhook rows in ONE statement (atomic: all or none), committed on return in
    autocommit. Repeats (same provider + event_id, also within `rows`) are skipped. Returns the
    event_ids inserted now.
    """
    values = ", ".join(["(%s, %s, %s::bigint, %s::jsonb, %s::timestamptz)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO whatsapp_webhookevent (provider, event_id, kind, company_id, payload,"  # noqa: S608 (only placeholders are formatted in)
            " received_at, attempts, available_at, last_error)"
            " SELECT 'twilio', v.event_id, v.kind, v.company_id, v.payload, v.received_at, 0,"
            " v.received_at, ''"
            f" FROM (VALUES {values}) AS v (event_id, kind, company_id, payload, received_at)"
            " ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id",
            [value for row in rows for value in row],
        )
        return [row[0] for row in cursor.fetchall()]


def webhook_event_store(*, kind: str, params: dict, company_id: int) -> bool:
    """Store a webhook once, durably on return (committed). False when it was a repeat delivery.

    Outside a transaction the row goes through this process's group-commit writer
    (whatsapp.webhook_writer: concurrent requests share one INSERT and one commit); raises
    webhook_writer.StoreFailed if it could not be stored. Inside a transaction it is written
    there (durable when that commits).
    """
    row = webhook_event_row(kind=kind, params=params, company_id=company_id)
    if connection.in_atomic_block:
        return bool(webhook_events_store_many([row]))
    from whatsapp.webhook_writer import group_writer

    return group_writer().submit(row)


class EventNotReady(Exception):
    """The event refers to something not recorded yet (a status before its send stored the sid)."""


def webhook_events_drain(*, limit: int = 500) -> int:
    """Apply pending webhook events in order, one transaction per batch. Returns how many were
    taken. Plain status moves (sent/delivered/read) of a batch are applied in a few bulk UPDATEs;
    failures and inbound messages one by one.
    """
    now = timezone.now()
    with all_companies(), transaction.atomic():
        events = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(processed_at__isnull=True, available_at__lte=now)
            .order_by("id")[:limit]
        )
        if not events:
            return 0
        simple = {event for event in events if _is_simple_status(event)}
        not_ready = _apply_simple_statuses(list(simple))
        for event in events:
            if event in not_ready:
                _postpone(event, EventNotReady("no message with this sid yet"), now)
                continue
            if event not in simple:
                try:
                    with transaction.atomic():
                        webhook_event_apply(event=event)
                except EventNotReady as exc:
                    _postpone(event, exc, now)
                    continue
                except Exception as exc:  # a bad event must not block the others
                    logger.exception("webhook event %s failed", event.pk)
                    event.attempts += 1
                    event.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    event.available_at = now + timedelta(seconds=min(2**event.attempts, 3600))
                    if event.attempts >= 10:
                        event.processed_at = timezone.now()
                    continue
            event.processed_at = timezone.now()
            event.last_error = ""
        WebhookEvent.objects.bulk_update(
            events, ["processed_at", "attempts", "last_error", "available_at"]
        )
    return len(events)


def _postpone(event: WebhookEvent, exc: Exception, now: datetime) -> None:
    event.attempts += 1
    event.last_error = str(exc)
    if event.attempts >= 8:
        event.processed_at = timezone.now()  # give up: not ours, or lost
    else:
        event.available_at = now + timedelta(seconds=2**event.attempts)


def _is_simple_status(event: WebhookEvent) -> bool:
    status = (event.payload.get("MessageStatus") or event.payload.get("SmsStatus") or "").lower()
    return event.kind == WebhookEvent.Kind.STATUS and status in rules.STATUS_RANK


def _apply_simple_statuses(events: list[WebhookEvent]) -> set:
    """Move messages forward for a batch of sent/delivered/read callbacks; returns the events
    whose message is not known yet.
    """
    if not events:
        return set()
    sid_of = {
        event: event.payload.get("MessageSid") or event.payload.get("SmsSid") for event in events
    }
    known = {
        sid: (pk, account)
        for sid, pk, account in Message.objects.filter(sid__in=set(sid_of.values())).values_list(
            "sid", "pk", "company__whatsapp__twilio_account_sid"
        )
    }
    best: dict[int, str] = {}
    for event, sid in sid_of.items():
        pk, account = known.get(sid, (None, None))
        if pk is None or account != event.payload.get("AccountSid"):
            continue  # not known yet (returned below), or another account's: changes nothing
        status = (event.payload.get("MessageStatus") or event.payload.get("SmsStatus")).lower()
        if pk not in best or rules.STATUS_RANK[status] > rules.STATUS_RANK[best[pk]]:
            best[pk] = status
    by_status: dict[str, list[int]] = {}
    for pk, status in best.items():
        by_status.setdefault(status, []).append(pk)
    now = timezone.now()
    for status, pks in by_status.items():
        lower = [s for s, rank in rules.STATUS_RANK.items() if rank < rules.STATUS_RANK[status]]
        # Conditional: never moves a message back, never touches a failed one.
        Message.objects.filter(pk__in=pks, status__in=lower).update(status=status, updated_at=now)
    return {event for event, sid in sid_of.items() if sid not in known}


def webhook_event_apply(*, event: WebhookEvent) -> None:
    if event.kind == WebhookEvent.Kind.STATUS:
        message_status_apply(params=event.payload)
    else:
        inbound_record(params=event.payload, received_at=event.received_at)


def message_status_apply(*, params: dict) -> None:
    """A status callback: move the message forward; failures become notes (SPEC §5, §6)."""
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    found = (
        Message.objects.filter(sid=sid)
        .values_list("pk", "company_id", "company__whatsapp__twilio_account_sid")
        .first()
    )
    if found is None:
        raise EventNotReady(f"no message with sid {sid} yet")
    pk, company_id, account_sid = found
    if account_sid != params.get("AccountSid"):
        logger.warning("status callback for %s from another Twilio account ignored", sid)
        return
    message = Message(pk=pk, company_id=company_id)
    with company_scope(company_id):
        if status in ("failed", "undelivered"):
            message_failure_record(
                message=message,
                code=params.get("ErrorCode") or "",
                error_message=params.get("ErrorMessage") or "",
                status=status,
            )
            return
        if status not in rules.STATUS_RANK:
            return
        forward = [s for s, rank in rules.STATUS_RANK.items() if rank < rules.STATUS_RANK[status]]
        Message.objects.filter(pk=message.pk, status__in=forward).update(
            status=status, updated_at=timezone.now()
        )


def _e164(raw: str) -> str:
    text = (raw or "").strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    return text


def inbound_record(*, params: dict, received_at: datetime | None = None) -> Message | None:
    """An inbound WhatsApp message: find the company (its sender is `To` and its Twilio account the
    signing `AccountSid`) and the person (From, else a new lead), store it, open/extend the session,
    handle STOP/START, note it on the history.
    """
    received_at = received_at or timezone.now()
    sender = _e164(params.get("To", ""))
    settings = WhatsAppSettings.objects.filter(
        sender_number=sender, twilio_account_sid=params.get("AccountSid") or ""
    ).first()
    if not sender or settings is None:
        logger.warning("inbound WhatsApp to %s, not a sender of its account, ignored", sender)
        return None
    company = settings.company
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    with company_scope(company):
        if sid and Message.objects.filter(company=company, sid=sid).exists():
            return None
        try:
            phone = to_e164(_e164(params.get("From", "")), default_country=company.default_country)
        except InvalidPhoneNumber:
            phone = _e164(params.get("From", ""))
        person = Person.objects.filter(company=company, phone_mobile=phone).order_by("id").first()
        if person is None:
            person = _lead_from_whatsapp(company=company, phone=phone, params=params)
            if person is None:
                return None
        media = [
            {
                "url": params.get(f"MediaUrl{i}", ""),
                "content_type": params.get(f"MediaContentType{i}", ""),
            }
            for i in range(_int(params.get("NumMedia")))
        ]
        referral = {k: v for k, v in params.items() if k.startswith("Referral")}
        last_sale_type = (
            Message.objects.filter(company=company, person=person, direction=Direction.OUTBOUND)
            .order_by("-created_at", "-id")
            .values_list("sale_type_id", flat=True)
            .first()
        )
        body = params.get("Body", "") or ""
        message = Message.objects.create(
            company=company,
            person=person,
            direction=Direction.INBOUND,
            body=body,
            status=MessageStatus.RECEIVED,
            sid=sid or None,
            media=media,
            profile_name=params.get("ProfileName", "")[:200],
            button_payload=(params.get("ButtonPayload") or params.get("ButtonText") or "")[:256],
            to_number=sender,
            from_number=phone,
            referral=referral,
            sale_type_id=last_sale_type,
            created_at=received_at,
        )
        conversation, _ = Conversation.objects.select_for_update().get_or_create(
            company=company, person=person
        )
        conversation.session_expires_at = rules.session_expiry_after_inbound(
            current_expires_at=conversation.session_expires_at,
            received_at=received_at,
            referral=bool(referral),
        )
        conversation.last_inbound_at = max(
            filter(None, [conversation.last_inbound_at, received_at])
        )
        conversation.opened_by_referral = conversation.opened_by_referral or bool(referral)
        conversation.save()
        shown = body or (params.get("ButtonText") or "") or f"{len(media)} attachment(s)"
        note_create(
            person=person,
            company=company,
            kind=NoteKind.WHATSAPP_RECEIVED,
            text=f"WhatsApp received from {person.full_name}: {shown}",
            message=message,
            created_at=received_at,
        )
        keyword = rules.opt_keyword(body)
        if keyword is not None:
            _opt_keyword_apply(company=company, phone=phone, opted_out=keyword == "stop")
    return message


def _opt_keyword_apply(*, company: Company, phone: str, opted_out: bool) -> None:
    """STOP / START from a number: every person of the company with that mobile number."""
    for person in Person.objects.filter(company=company, phone_mobile=phone).order_by("id"):
        person_set_opt_out(
            person=person,
            channel=ConsentChannel.WHATSAPP,
            opted_out=opted_out,
            source=ConsentSource.KEYWORD,
        )


def _int(value) -> int:
    try:
        return max(0, min(int(value or 0), 10))
    except (TypeError, ValueError):
        return 0


def _lead_from_whatsapp(*, company: Company, phone: str, params: dict) -> Person | None:
    profile = (params.get("ProfileName") or "").strip()
    first, _, last = profile.partition(" ")
    if not Club.objects.filter(company=company).exists():
        logger.warning("inbound WhatsApp for company %s without a club: no lead made", company.pk)
        return None
    try:
        return person_create(
            company=company,
            user=None,
            data={
                "first_name": (first or "WhatsApp")[:100],
                "last_name": last[:100],
                "phone_mobile": phone,
                "source_name": "WhatsApp",
            },
        )
    except (FieldErrors, IntegrityError):
        logger.exception("could not create a lead for an inbound WhatsApp message")
        return None
