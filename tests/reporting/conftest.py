"""A small fixed data set for the reports, in a company whose day is not UTC's (America/New_York).

Days below are local (New York, UTC-5 in January). The reports' range in the tests is 10-12 January.

| msg | direction | by      | person (club)  | local time        | status    | counts as       |
| m1  | outbound  | sales1  | Pam (North)    | 10 Jan 09:00      | delivered | 10 Jan, North   |
| m2  | outbound  | sales1  | Pam (North)    | 10 Jan 23:30      | read      | 10 Jan (UTC 11) |
| m3  | outbound  | sales2  | Sam (South)    | 11 Jan 00:15      | sent      | 11 Jan, South   |
| m4  | outbound  | sales1  | Sam (South)    | 11 Jan 10:00      | failed    | 11 Jan, South   |
| m5  | outbound  | sales1  | Pam (North)    | 11 Jan 11:00      | not_sent  | never           |
| m6  | inbound   | —       | Pam (North)    | 10 Jan 12:00      | received  | 10 Jan, North   |
| m7  | inbound   | —       | Sam (South)    | 12 Jan 08:00      | received  | 12 Jan, South   |
| m8  | outbound  | (auto)  | Pam (North)    | 12 Jan 09:00      | delivered | 12 Jan, North   |
| m9  | outbound  | former  | Pam (North)    |  9 Jan 23:59:59   | sent      | before the range|
| m10 | outbound  | manager | Sam (South)    | 13 Jan 00:00      | sent      | after the range |
| m11 | outbound  | former  | Pam (North)    | 12 Jan 23:59      | sent      | 12 Jan, North   |

Users: manager (North), sales1 (North), sales2 (South), former (North, inactive), idle (South,
inactive, sends nothing). Another company has messages on the same days; they never show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from automations.campaigns.models import Campaign, CampaignRecipient
from gymsales.models import Appointment, ConsentRecord, Role, Sale, SaleType
from reporting.counters import fold_deltas
from tests.factories import ClubFactory, PersonFactory, UserFactory
from tests.ui.conftest import locmem_backend, sale_types, welcome_template, whatsapp_on  # noqa: F401
from whatsapp.models import Direction, Message, MessageStatus

NEW_YORK = ZoneInfo("America/New_York")
RANGE = {"from": "2026-01-10", "to": "2026-01-12"}


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, second, tzinfo=NEW_YORK)


def message(person, *, at, direction=Direction.OUTBOUND, by=None, status=MessageStatus.SENT):
    return Message.objects.create(
        company=person.company,
        person=person,
        direction=direction,
        body="Hi",
        sent_by=by,
        status=status,
        created_at=at,
    )


@pytest.fixture
def data(company, other_company, other_person):
    company.time_zone = "America/New_York"
    company.save()
    north = ClubFactory(company=company, name="North")
    south = ClubFactory(company=company, name="South")
    manager = UserFactory(
        company=company, club=north, role=Role.MANAGER, first_name="Mia", last_name="Manager"
    )
    sales1 = UserFactory(company=company, club=north, first_name="Sue", last_name="Alpha")
    sales2 = UserFactory(company=company, club=south, first_name="Sid", last_name="Beta")
    former = UserFactory(
        company=company, club=north, first_name="Fay", last_name="Gamma", is_active=False
    )
    UserFactory(company=company, club=south, first_name="Ida", last_name="Idle", is_active=False)
    pam = PersonFactory(company=company, club=north, first_name="Pam")
    sam = PersonFactory(company=company, club=south, first_name="Sam")
    IN, RECEIVED = Direction.INBOUND, MessageStatus.RECEIVED
    m = SimpleNamespace()
    m.m1 = message(pam, at=local(10, 9), by=sales1, status=MessageStatus.DELIVERED)
    m.m2 = message(pam, at=local(10, 23, 30), by=sales1, status=MessageStatus.READ)
    m.m3 = message(sam, at=local(11, 0, 15), by=sales2)
    m.m4 = message(sam, at=local(11, 10), by=sales1, status=MessageStatus.FAILED)
    m.m5 = message(pam, at=local(11, 11), by=sales1, status=MessageStatus.NOT_SENT)
    m.m6 = message(pam, at=local(10, 12), direction=IN, status=RECEIVED)
    m.m7 = message(sam, at=local(12, 8), direction=IN, status=RECEIVED)
    m.m8 = message(pam, at=local(12, 9), status=MessageStatus.DELIVERED)
    m.m9 = message(pam, at=local(9, 23, 59, 59), by=former)
    m.m10 = message(sam, at=local(13, 0), by=manager)
    m.m11 = message(pam, at=local(12, 23, 59), by=former)
    # Another company, same days: never in this company's reports.
    message(other_person, at=local(10, 9))
    message(other_person, at=local(11, 9), direction=IN, status=RECEIVED)
    return SimpleNamespace(
        company=company,
        north=north,
        south=south,
        manager=manager,
        sales1=sales1,
        sales2=sales2,
        former=former,
        pam=pam,
        sam=sam,
        m=m,
    )


@pytest.fixture(params=["folded", "pending"])
def counters_state(request, data):
    """Every figure must be the same whether the deltas were folded or not."""
    if request.param == "folded":
        fold_deltas()
    return request.param


def day(d: int) -> date:
    return date(2026, 1, d)


# --- The Bulk WhatsApp campaign of tests/reporting/test_bulk_whatsapp.py (its table) ---------

T = local(10, 10)
LIST = "/api/v1/reports/bulk-whatsapp"
H, D, S = timedelta(hours=1), timedelta(days=1), timedelta(seconds=1)


@pytest.fixture
def promo(data, welcome_template, other_company):  # noqa: F811 (the fixture imported above)
    company = data.company
    campaign = Campaign.objects.create(
        company=company,
        name="January promo",
        template=welcome_template,
        status="completed",
        started_at=local(10, 9),
        finished_at=local(10, 11),
    )
    people = {}
    for name, club in [
        ("Ann", data.north),
        ("Ben", data.north),
        ("Cat", data.north),
        ("Dan", data.north),
        ("Eve", data.north),
        ("Fay", data.north),
        ("Gus", data.north),
        ("Hal", data.north),
        ("Ivy", data.south),
        ("Jon", data.north),
    ]:
        people[name] = PersonFactory(company=company, club=club, first_name=name)

    def recipient(name, state, *, sent_at=None, error_code="", reason="", opted_out_at=None):
        CampaignRecipient.objects.create(
            company=company,
            campaign=campaign,
            person=people[name],
            state=state,
            sent_at=sent_at,
            error_code=error_code,
            reason=reason,
            opted_out_at=opted_out_at,
        )

    recipient("Ann", "read", sent_at=T)
    recipient("Ben", "read", sent_at=T)
    recipient("Cat", "delivered", sent_at=T)
    recipient("Dan", "sent", sent_at=T, opted_out_at=T + 2 * H)
    recipient("Eve", "failed", error_code="63049")
    recipient("Fay", "failed", sent_at=T, error_code="63016")
    recipient("Gus", "not_sent", reason="opted_out")
    recipient("Hal", "excluded", reason="no_mobile")
    recipient("Ivy", "delivered", sent_at=T)
    recipient("Jon", "queued")

    def inbound(name, at):
        message(people[name], at=at, direction=Direction.INBOUND, status=MessageStatus.RECEIVED)

    inbound("Ann", T + 72 * H)
    inbound("Ben", T + 72 * H + S)
    inbound("Cat", T + H)
    membership = SaleType.objects.get(key="membership")
    for name, at in [("Ann", T + 30 * D), ("Cat", T - S), ("Eve", T + D)]:
        Sale.objects.create(company=company, person=people[name], sale_type=membership, won_at=at)
    for name, at in [("Ben", T + 30 * D + S), ("Cat", T + D), ("Ivy", T + 29 * D)]:
        Appointment.objects.create(
            company=company, person=people[name], starts_at=at + D, booked_at=at
        )
    ConsentRecord.objects.create(
        company=company,
        person=people["Dan"],
        channel="whatsapp",
        opted_out=True,
        source="keyword",
        created_at=T + 2 * H,
    )
    # Not in the range (started on the 13th), never started, and another company's.
    later = Campaign.objects.create(
        company=company,
        name="Later",
        template=welcome_template,
        status="running",
        started_at=local(13, 9),
    )
    CampaignRecipient.objects.create(
        company=company, campaign=later, person=people["Ann"], state="sent", sent_at=local(13, 9)
    )
    Campaign.objects.create(company=company, name="Draft", template=welcome_template)
    return SimpleNamespace(campaign=campaign, later=later, people=people)
