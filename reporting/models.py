"""WhatsApp message counters per company, club, user, local day and direction.

The Activity and User Statistics reports read these instead of the messages table, so they cost the
same at 1,000 or 1,000,000 messages. PostgreSQL keeps them (migration 0001's triggers), whatever
path writes a message: the ORM, `bulk_create`, raw SQL, the webhook writer, a status callback.

- Every statement that inserts messages appends one row per key to `MessageCountDelta` (an
  append-only log: no row is ever updated by a writer, so concurrent senders and webhook workers
  never wait on, or deadlock over, a hot counter row).
- A change that moves a message in or out of a count (a status becoming `not_sent`, its sender set
  to NULL when the user is deleted, …), a deletion, a person moving to another club, or a company
  changing its time zone appends the matching -1/+1 (or a reconciliation) to the log.
- `fold_deltas()` (Celery beat, every few seconds) moves the log into `MessageDayCount`.
- `MessageCount` is a view of both (`UNION ALL`): what the reports read, always exact.

A message counts when its status is not `not_sent` (refused before it left:
`whatsapp.selectors.NOT_COUNTED`, the Client Profile's rule). Its club is its person's club, its day
the local date of `created_at` in the company's time zone, its user `sent_by` (None for automations,
campaigns and inbound messages).
"""

from __future__ import annotations

from django.db import models
from django_scopes import ScopedManager


class _Counter(models.Model):
    # Plain columns (no foreign keys): the triggers write these rows while Django deletes a
    # company's, a club's or a user's rows, and they must never block or fail such a delete.
    company_id = models.BigIntegerField()
    club_id = models.BigIntegerField()
    user_id = models.BigIntegerField(null=True)
    day = models.DateField()
    direction = models.CharField(max_length=8)
    n = models.BigIntegerField()

    # Tenant-scoped like every tenant row (gymsales.tenancy), on the plain company_id column.
    objects = ScopedManager(company="company_id")

    class Meta:
        abstract = True


class MessageDayCount(_Counter):
    """The folded counters: one row per (company, day, club, user, direction)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "day", "club_id", "user_id", "direction"],
                nulls_distinct=False,
                name="reporting_day_count_key",
            )
        ]
        indexes = [models.Index(fields=["company_id", "user_id", "day"])]


class MessageCountDelta(_Counter):
    """Changes not folded yet (append-only; `fold_deltas` moves them into MessageDayCount)."""

    id = models.BigAutoField(primary_key=True)

    class Meta:
        indexes = [
            models.Index(fields=["company_id", "day"]),
            models.Index(fields=["company_id", "user_id", "day"]),
        ]


class MessageCount(_Counter):
    """Read-only view: MessageDayCount UNION ALL MessageCountDelta. Sum `n` over it."""

    class Meta:
        managed = False
        db_table = "reporting_messagecount"
