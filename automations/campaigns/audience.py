"""Who a campaign reaches: the audience filters over people, and the pre-flight's classification
of each person (reached, or excluded and why) as ONE SQL query, used both to count (pre-flight,
page and API alike) and to fan out (`INSERT … SELECT`).

Exclusions, first matching reason wins: opted out, no mobile, duplicate phone (the lowest id of a
number is kept), marketing guardrail (a marketing template to someone who already had two in 24 h
without replying), over the messaging limit (new business-initiated people beyond what the
company's tier has left in the rolling 24 h, lowest ids first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from gymsales.models import Company, Person, Sale
from whatsapp import rules as wa_rules
from whatsapp.models import Direction, Message, MessageStatus

EXCLUSION_REASONS = (
    "opted_out",
    "no_mobile",
    "duplicate_phone",
    "over_limit",
    "marketing_guardrail",
)
AUDIENCE_KEYS = (
    "club_id",
    "status",
    "sale_type",
    "owner_id",
    "created_after",
    "created_before",
    "last_contacted_before",
    "person_ids",
)
FILTER_KEYS = AUDIENCE_KEYS[:-1]  # what the wizard's form offers (the API also takes person_ids)


def _start_of(value, tz) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=tz)


def _as_date(value) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    text = str(value)
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return date.fromisoformat(text[:10])


def audience_people(*, company: Company, audience: dict) -> QuerySet[Person]:
    """The people the filters select (before any exclusion). Dates are the company's; an
    `_after`/`_before` date includes that whole day.
    """
    tz = company.tzinfo
    audience = audience or {}
    people = Person.objects.filter(company=company, **_equal_filters(audience))
    if audience.get("sale_type"):
        people = people.filter(_has_sale_of(company, audience["sale_type"]))
    if audience.get("created_after"):
        people = people.filter(created_at__gte=_start_of(_as_date(audience["created_after"]), tz))
    if audience.get("created_before"):
        people = people.filter(created_at__lt=_end_of(_as_date(audience["created_before"]), tz))
    if audience.get("last_contacted_before"):
        cutoff = _start_of(_as_date(audience["last_contacted_before"]), tz)
        people = people.exclude(_contacted_since(company, cutoff))
    if audience.get("person_ids") is not None:
        people = people.filter(pk__in=list(audience["person_ids"]))
    return people


def _equal_filters(audience: dict) -> dict:
    """club_id, status, owner_id: the person's own column equals the filter's value."""
    return {key: audience[key] for key in ("club_id", "status", "owner_id") if audience.get(key)}


def _has_sale_of(company: Company, sale_type: str) -> Exists:
    return Exists(
        Sale.objects.filter(company=company, person=OuterRef("pk"), sale_type__key=sale_type)
    )


def _end_of(value: date | datetime, tz) -> datetime:
    """The first instant after a date (a datetime is its own end)."""
    if isinstance(value, datetime):
        return value
    return _start_of(value + timedelta(days=1), tz)


def _contacted_since(company: Company, cutoff: datetime) -> Exists:
    """Sent a WhatsApp message (one that went, not one refused) at or after `cutoff`."""
    return Exists(
        Message.objects.filter(
            company=company,
            person=OuterRef("pk"),
            direction=Direction.OUTBOUND,
            created_at__gte=cutoff,
        ).exclude(status=MessageStatus.NOT_SENT)
    )


def audience_count(*, company: Company, audience: dict) -> int:
    return audience_people(company=company, audience=audience).count()


@dataclass(frozen=True)
class Classification:
    """The SQL (and its parameters) selecting (person_id, phone, reason) for every person of the
    audience; `reason` is NULL for those who will be sent the campaign."""

    sql: str
    params: list


def classification(
    *, company: Company, audience: dict, marketing: bool, messaging_limit: int | None, now: datetime
) -> Classification:
    """The audience's people, each with its exclusion reason (module docstring), as one query."""
    people = (
        audience_people(company=company, audience=audience)
        .order_by()
        .values("id", "phone_mobile", "whatsapp_opted_out")
    )
    people_sql, people_params = people.query.sql_with_params()
    since = now - wa_rules.MESSAGING_LIMIT_WINDOW
    reached_sql, reached_params = _reached_sql(company, since)
    marketing_sql, marketing_params = _marketing_sql(company, since, marketing)
    remaining = _tier_left(reached_sql, reached_params, messaging_limit)
    sql = _CLASSIFY_SQL.format(
        people=people_sql,
        reached=reached_sql,
        marketing=marketing_sql,
        conversation="whatsapp_conversation",
    )
    params = [
        *people_params,
        *reached_params,
        *marketing_params,
        wa_rules.MARKETING_PER_DAY_WITHOUT_REPLY,
        now,
        remaining,
        remaining,
    ]
    return Classification(sql=sql, params=params)


# The first matching reason wins; `not_new` people (in a session, or already reached in the
# window) do not use the messaging-limit tier; new ones beyond what is left of it are over_limit.
_CLASSIFY_SQL = """
    WITH audience AS ({people}),
    reached AS ({reached}),
    marketing AS ({marketing}),
    facts AS (
        SELECT a.id, a.phone_mobile AS phone,
            CASE WHEN a.whatsapp_opted_out THEN 'opted_out'
                 WHEN a.phone_mobile = '' THEN 'no_mobile'
                 WHEN row_number() OVER (
                    PARTITION BY a.phone_mobile, a.whatsapp_opted_out ORDER BY a.id) > 1
                    THEN 'duplicate_phone'
                 WHEN COALESCE(mk.n, 0) >= %s THEN 'marketing_guardrail'
            END AS reason,
            (COALESCE(cv.session_expires_at > %s, false) OR r.person_id IS NOT NULL)
                AS not_new
        FROM audience a
        LEFT JOIN {conversation} cv ON cv.person_id = a.id
        LEFT JOIN reached r ON r.person_id = a.id
        LEFT JOIN marketing mk ON mk.person_id = a.id
    ),
    ranked AS (
        SELECT id, phone, reason,
            CASE WHEN reason IS NULL AND NOT not_new THEN row_number() OVER (
                PARTITION BY (reason IS NULL AND NOT not_new) ORDER BY id) ELSE 0 END AS n
        FROM facts
    )
    SELECT id AS person_id, phone,
        COALESCE(reason, CASE WHEN %s::int IS NOT NULL AND n > %s::int THEN 'over_limit' END)
            AS reason
    FROM ranked
"""


def _reached_sql(company: Company, since: datetime) -> tuple[str, list]:
    """The people sent a business-initiated message in the messaging-limit window."""
    sql = (
        f"SELECT DISTINCT person_id FROM {Message._meta.db_table}"  # noqa: S608 (table name only)
        " WHERE company_id = %s AND business_initiated AND created_at > %s"
        " AND status <> 'not_sent'"
    )
    return sql, [company.pk, since]


def _marketing_sql(company: Company, since: datetime, marketing: bool) -> tuple[str, list]:
    """Marketing templates per person in the window without a reply after them (only a
    marketing campaign is held back by them)."""
    if not marketing:
        return "SELECT NULL::bigint AS person_id, 0 AS n WHERE false", []
    message = Message._meta.db_table
    template = Message._meta.get_field("template").related_model._meta.db_table
    sql = (
        f"SELECT m.person_id, count(*) AS n FROM {message} m"  # noqa: S608 (table names only)
        f" JOIN {template} t ON t.id = m.template_id AND t.category = 'marketing'"
        " WHERE m.company_id = %s AND m.direction = 'outbound' AND m.created_at > %s"
        " AND m.status <> 'not_sent' AND NOT EXISTS (SELECT 1 FROM "
        f"{message} i WHERE i.person_id = m.person_id AND i.direction = 'inbound'"
        " AND i.created_at >= m.created_at) GROUP BY m.person_id"
    )
    return sql, [company.pk, since]


def _tier_left(reached_sql: str, reached_params: list, messaging_limit: int | None) -> int | None:
    """New people the company's messaging-limit tier still allows (None: unlimited)."""
    if messaging_limit is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({reached_sql}) r", reached_params)  # noqa: S608
        return max(0, messaging_limit - cursor.fetchone()[0])


def preflight_counts(cls: Classification) -> dict:
    """{will_send, excluded: {reason: n}} of a classification."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reason, count(*) FROM ({cls.sql}) c GROUP BY reason",  # noqa: S608
            cls.params,
        )
        rows = dict(cursor.fetchall())
    return {
        "will_send": rows.get(None, 0),
        "excluded": {reason: rows.get(reason, 0) for reason in EXCLUSION_REASONS},
    }
