"""The WhatsApp counters stay exact whatever writes the messages: the API's send, the ORM, bulk
inserts, raw SQL, asynchronous status changes, deletions, a person changing club, a user deleted, a
company changing its time zone — folded or not, and under concurrent writers."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from gymsales.models import Company
from reporting.counters import fold_deltas, reconcile
from reporting.models import MessageCount, MessageCountDelta, MessageDayCount
from tests.factories import ClubFactory, PersonFactory, UserFactory
from tests.reporting.conftest import local, message
from whatsapp.models import Direction, Message, MessageStatus
from whatsapp.selectors import NOT_COUNTED


def counters(company) -> Counter:
    """What the reports read: the counters, summed per key (zeros dropped)."""
    rows = MessageCount.objects.filter(company_id=company.pk).values_list(
        "club_id", "user_id", "day", "direction", "n"
    )
    totals: Counter = Counter()
    for club_id, user_id, day, direction, n in rows:
        totals[(club_id, user_id, day, direction)] += n
    return +totals


def truth(company) -> Counter:
    """The same figures counted from the messages themselves (the Client Profile's rule)."""
    company = Company.objects.get(pk=company.pk)
    rows = (
        Message.objects.filter(company=company)
        .exclude(status__in=NOT_COUNTED)
        .annotate(day=TruncDate("created_at", tzinfo=company.tzinfo))
        .values_list("person__club_id", "sent_by_id", "day", "direction")
        .annotate(n=Count("id"))
    )
    return Counter({(club, user, day, direction): n for club, user, day, direction, n in rows})


def assert_exact(company):
    assert counters(company) == truth(company)
    fold_deltas()
    assert counters(company) == truth(company)


def test_the_fixed_data_set_is_counted_exactly(data):
    assert_exact(data.company)
    assert MessageCountDelta.objects.count() == 0
    assert MessageDayCount.objects.filter(company_id=data.company.pk).exists()


def test_status_callbacks_that_keep_a_message_counted_write_nothing(data):
    fold_deltas()
    Message.objects.filter(pk=data.m.m3.pk).update(status=MessageStatus.DELIVERED)
    Message.objects.filter(pk=data.m.m3.pk).update(status=MessageStatus.READ)
    data.m.m4.refresh_from_db()
    data.m.m4.save()  # a full save with nothing changed

    assert MessageCountDelta.objects.count() == 0
    assert_exact(data.company)


def test_a_queued_message_refused_at_send_time_leaves_the_counts(data):
    queued = message(data.pam, at=local(11, 15), by=data.sales1, status=MessageStatus.QUEUED)
    before = counters(data.company)[
        (data.north.pk, data.sales1.pk, local(11, 0).date(), "outbound")
    ]
    Message.objects.filter(pk=queued.pk).update(status=MessageStatus.NOT_SENT)

    after = counters(data.company)[(data.north.pk, data.sales1.pk, local(11, 0).date(), "outbound")]
    assert after == before - 1
    assert_exact(data.company)


def test_raw_sql_writes_are_counted(data):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE whatsapp_message SET status = 'not_sent' WHERE id = %s", [data.m.m1.pk]
        )
        cursor.execute("UPDATE whatsapp_message SET status = 'sent' WHERE id = %s", [data.m.m5.pk])
    assert_exact(data.company)


def test_bulk_inserts_add_one_delta_per_key(data):
    fold_deltas()
    Message.objects.bulk_create(
        Message(
            company=data.company,
            person=data.pam if i % 2 else data.sam,
            direction=Direction.OUTBOUND,
            status=MessageStatus.QUEUED,
            created_at=local(20, 10),
        )
        for i in range(500)
    )

    assert MessageCountDelta.objects.count() == 2  # North and South, no user, 20 Jan, outbound
    assert_exact(data.company)


def test_deleting_messages_and_people_takes_their_counts(data):
    data.m.m1.delete()
    Message.objects.filter(pk__in=[data.m.m6.pk, data.m.m5.pk]).delete()
    assert_exact(data.company)
    data.sam.delete()
    assert_exact(data.company)


def test_a_person_changing_club_takes_their_messages_along(data):
    fold_deltas()
    data.pam.club = data.south
    data.pam.save()

    assert_exact(data.company)
    assert not any(key[0] == data.north.pk for key in counters(data.company))


def test_a_deleted_user_s_messages_stay_counted_without_a_user(data):
    user_id = data.sales1.pk
    data.sales1.delete()

    assert_exact(data.company)
    assert not any(key[1] == user_id for key in counters(data.company))


def test_a_time_zone_change_re_buckets_the_days(data):
    fold_deltas()
    company = Company.objects.get(pk=data.company.pk)
    company.time_zone = "Asia/Kolkata"  # UTC+5:30: m2 (23:30 New York) moves two days on
    company.save()

    assert_exact(company)


def test_a_deleted_company_leaves_no_counters(data):
    company_id = data.company.pk
    Message.objects.filter(company_id=company_id).update(status=MessageStatus.QUEUED)
    Company.objects.get(pk=company_id).people.all().delete()  # clubs protect their people
    Company.objects.get(pk=company_id).delete()

    assert not MessageDayCount.objects.filter(company_id=company_id).exists()
    assert not MessageCountDelta.objects.filter(company_id=company_id).exists()


def test_reconcile_repairs_counters_and_is_idempotent(data):
    MessageDayCount.objects.filter(company_id=data.company.pk).delete()
    MessageCountDelta.objects.filter(company_id=data.company.pk).delete()

    assert reconcile(data.company.pk) > 0
    assert reconcile(data.company.pk) == 0
    assert_exact(data.company)


def test_sending_through_the_api_is_counted(
    api, sales_user, person, data, whatsapp_on, welcome_template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the send task runs (eager)
        response = api(sales_user).post(
            f"/api/v1/people/{person.pk}/whatsapp/messages",
            {"template_id": welcome_template.pk},
            format="json",
        )
    assert response.status_code == 202, response.json()
    sent = Message.objects.get(pk=response.json()["id"])

    day = timezone.localtime(sent.created_at, data.company.tzinfo).date()
    assert sent.sid  # handed to the (locmem) provider by the send task's raw SQL
    assert counters(data.company)[(person.club_id, sales_user.pk, day, "outbound")] == 1
    assert_exact(data.company)


def test_a_random_mix_of_writes_keeps_the_counters_exact(data):
    rng = random.Random(12)
    people = [data.pam, data.sam]
    users = [None, data.sales1, data.sales2, data.manager]
    statuses = [s for s in MessageStatus.values]
    for step in range(120):
        action = rng.choice(["create", "create", "status", "sender", "move", "delete", "fold"])
        if action == "create":
            message(
                rng.choice(people),
                at=local(10, 0) + timedelta(minutes=rng.randrange(5 * 24 * 60)),
                by=rng.choice(users),
                direction=rng.choice(Direction.values),
                status=rng.choice(statuses),
            )
        elif action == "status":
            Message.objects.filter(pk=_any(rng, data)).update(status=rng.choice(statuses))
        elif action == "sender":
            Message.objects.filter(pk=_any(rng, data)).update(sent_by=rng.choice(users))
        elif action == "move":
            person = rng.choice(people)
            person.club = rng.choice([data.north, data.south])
            person.save()
        elif action == "delete":
            Message.objects.filter(pk=_any(rng, data)).delete()
        else:
            fold_deltas()
        if step % 20 == 0:
            assert counters(data.company) == truth(data.company), step
    assert_exact(data.company)


def _any(rng, data):
    ids = list(Message.objects.filter(company=data.company).values_list("pk", flat=True))
    return rng.choice(ids)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_folds_neither_block_each_other_nor_lose_counts():
    """Writers touching two clubs in opposite orders plus a folder: no deadlock, exact counts."""
    company = Company.objects.create(name="Busy Gyms", time_zone="Europe/Madrid")
    clubs = [ClubFactory(company=company), ClubFactory(company=company)]
    user = UserFactory(company=company, club=clubs[0])
    people = [PersonFactory(company=company, club=club) for club in clubs]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(order):
        try:
            start.wait(timeout=60)
            for _ in range(25):
                with transaction.atomic():
                    for person in order:
                        message(person, at=timezone.now(), by=user)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def folder():
        try:
            start.wait(timeout=60)
            for _ in range(25):
                fold_deltas()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=(people,)),
        threading.Thread(target=writer, args=(people[::-1],)),
        threading.Thread(target=writer, args=(people,)),
        threading.Thread(target=folder),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(counters(company).values()) == 150
    assert_exact(company)
