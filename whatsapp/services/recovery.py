"""The send queue's safety nets, run by beat (`whatsapp.sends_sweep`): due and lost sends handed
to the broker again, and claims whose lease expired reconciled through the provider.

`sent_message_find` is the reusable part of reconciliation: anything that sends under a claim with
a lease (messages, campaign recipients) asks it whether the provider already has the message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from gymsales.tenancy import all_companies, company_scope
from whatsapp import rules
from whatsapp.models import Message, MessageStatus, WhatsAppSettings
from whatsapp.providers import FoundMessage, ProviderError, get_backend
from whatsapp.providers.events import StatusEvent
from whatsapp.selectors import credentials_for
from whatsapp.services.events import message_status_apply
from whatsapp.services.queue import MESSAGE_DELIVER, MESSAGE_RECONCILE, enqueue

logger = logging.getLogger(__name__)


def sends_sweep(*, limit: int = 1000) -> tuple[list[int], list[int]]:
    """Run by beat every few seconds. Hands to the broker the queued messages that are due (held,
    throttled or backing off until now) or were never handed over (the broker was down when they
    were committed, or a worker died with them prefetched); and asks for reconciliation of the
    claims whose lease expired without a SID (a worker died between the claim and storing it).
    Returns (ids enqueued for sending, ids enqueued for reconciliation).
    """
    now = timezone.now()
    requeue_before = now - timedelta(seconds=django_settings.WHATSAPP_REQUEUE_AFTER_SECONDS)
    lease_before = now - timedelta(seconds=django_settings.WHATSAPP_SEND_LEASE_SECONDS)
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET enqueued_at = %s WHERE id IN ("  # noqa: S608 (table name only)
            f" SELECT id FROM {table} WHERE status = %s"
            " AND (send_after IS NULL OR send_after <= %s)"
            " AND (enqueued_at IS NULL OR enqueued_at <= %s)"
            " ORDER BY send_after NULLS FIRST, id LIMIT %s FOR UPDATE SKIP LOCKED)"
            " RETURNING id",
            [now, MessageStatus.QUEUED, now, requeue_before, limit],
        )
        due = sorted(row[0] for row in cursor.fetchall())
        # A reconciliation is asked for once per lease (enqueued_at marks the request).
        cursor.execute(
            f"UPDATE {table} SET enqueued_at = %s WHERE id IN ("  # noqa: S608 (table name only)
            f" SELECT id FROM {table} WHERE status = %s AND sid IS NULL AND claimed_at <= %s"
            " AND (enqueued_at IS NULL OR enqueued_at < claimed_at OR enqueued_at <= %s)"
            " ORDER BY claimed_at LIMIT %s FOR UPDATE SKIP LOCKED)"
            " RETURNING id",
            [now, MessageStatus.SENDING, lease_before, lease_before, limit],
        )
        stale = sorted(row[0] for row in cursor.fetchall())
    try:
        for message_id in due:
            enqueue(MESSAGE_DELIVER, message_id)
        for message_id in stale:
            enqueue(MESSAGE_RECONCILE, message_id)
    except Exception:  # broker down: the next sweep after the requeue age retries
        logger.warning("send sweep: could not enqueue; retried by a later sweep")
    return due, stale


RECONCILE_CLOCK_SKEW = timedelta(minutes=1)


def _same_text(a: str, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def sent_message_find(
    *, backend, to: str, since: datetime, body: str, is_template: bool
) -> FoundMessage | None:
    """Did the provider get this message? Reusable by anything that sends through a claim with a
    lease (messages, campaign recipients): identified by recipient, time window and text.

    Looks the messages to `to` from the company's sender since `since` up (Twilio's Messages
    list), ignores those whose SID is already stored on a message of ours, and returns the
    earliest with the same text (a template's text as Twilio rendered it may differ from ours:
    then the earliest unknown one), or None when the provider does not have it.
    Raises ProviderError when the provider cannot be asked.
    """
    since = since - RECONCILE_CLOCK_SKEW
    candidates = backend.messages_sent_to(to=to, since=since)
    with all_companies():
        known = set(
            Message.objects.filter(sid__in=[c.sid for c in candidates]).values_list(
                "sid", flat=True
            )
        )
    unknown = sorted(
        (c for c in candidates if c.sid not in known),
        key=lambda c: (c.date_sent or since, c.sid),
    )
    for candidate in unknown:
        if _same_text(candidate.body, body):
            return candidate
    if is_template and unknown:
        return unknown[0]
    return None


def message_reconcile(*, message_id: int) -> str:
    """A claim past its lease without a SID: the worker died (or Twilio's answer was lost) between
    the claim and storing the SID. Look the message up at the provider: adopt its SID when it is
    there, else put it back in the queue (the send re-checks opt-out and the rest). Returns
    skipped | adopted | requeued | lookup_failed.
    """
    message = _lease_take_over(message_id)
    if message is None:
        return "skipped"
    with company_scope(message.company_id):
        settings = WhatsAppSettings.objects.get(company_id=message.company_id)
        try:
            # Since the message was created: no earlier than its first claim, whichever claim
            # reached the provider.
            found = sent_message_find(
                backend=get_backend(credentials=credentials_for(settings)),
                to=message.to_number,
                since=message.created_at,
                body=message.body,
                is_template=bool(message.template_id and not message.template_edited),
            )
        except ProviderError as exc:
            logger.warning("message %s: reconciliation lookup failed: %s", message_id, exc)
            return "lookup_failed"  # tried again when this lease expires
        if found is not None:
            _adopt(message_id, found, account=settings.twilio_account_sid)
            return "adopted"
        _requeue(message_id)
    try:
        enqueue(MESSAGE_DELIVER, message_id)
    except Exception:  # broker down: the sweep re-enqueues it
        logger.warning("message %s: could not enqueue after reconciliation", message_id)
    return "requeued"


def _lease_take_over(message_id: int) -> Message | None:
    """The message if it is still `sending` without a SID past its lease; its lease taken over,
    so a duplicate reconciliation (or sweep) now leaves it alone."""
    now = timezone.now()
    lease_before = now - timedelta(seconds=django_settings.WHATSAPP_SEND_LEASE_SECONDS)
    with all_companies(), transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("template")
            .filter(
                pk=message_id,
                status=MessageStatus.SENDING,
                sid__isnull=True,
                claimed_at__lte=lease_before,
            )
            .first()
        )
        if message is not None:
            message.claimed_at = now
            message.save(update_fields=["claimed_at", "updated_at"])
    return message


def _adopt(message_id: int, found: FoundMessage, *, account: str) -> None:
    """The provider has the message: store its SID, and its status as a status callback would."""
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING, sid=None).update(
        sid=found.sid, updated_at=timezone.now()
    )
    if found.status in rules.STATUS_RANK or found.status in ("failed", "undelivered"):
        message_status_apply(event=StatusEvent(account=account, sid=found.sid, status=found.status))
    logger.info("message %s: adopted %s found at the provider", message_id, found.sid)


def _requeue(message_id: int) -> None:
    """The provider does not have it: back in the queue, to be sent again."""
    now = timezone.now()
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING, sid=None).update(
        status=MessageStatus.QUEUED,
        send_after=None,
        claimed_at=None,
        enqueued_at=now,
        updated_at=now,
    )
