"""API.md "People": peopleCreate, peopleUpdate (PUT/PATCH), get, list with filters, search."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gymsales import services
from gymsales.models import ConsentRecord, Note, Person
from tests.factories import ClubFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_with_every_writable_field(api, sales_user, company, club, manager_user):
    second_club = ClubFactory(company=company)
    response = api(sales_user).post(
        "/api/v1/people",
        {
            "first_name": "Eve",
            "last_name": "Adams",
            "email": "eve@example.com",
            "phone_mobile": "07911 123456",
            "phone_home": "020 7946 0018",
            "phone_work": "+44 161 496 0123",
            "club_id": second_club.pk,
            "owner_id": manager_user.pk,
            "status": "member",
            "source_name": "Website",
            "sms_opted_out": True,
            "email_opted_out": False,
            "whatsapp_opted_out": False,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.company == company
    assert {k: body[k] for k in body if k not in ("created_at", "updated_at", "whatsapp")} == {
        "id": person.pk,
        "first_name": "Eve",
        "last_name": "Adams",
        "email": "eve@example.com",
        "phone_mobile": "+447911123456",
        "phone_home": "+442079460018",
        "phone_work": "+441614960123",
        "club_id": second_club.pk,
        "owner_id": manager_user.pk,
        "status": "member",
        "source_name": "Website",
        "sms_opted_out": True,
        "email_opted_out": False,
        "whatsapp_opted_out": False,
    }
    assert person.phone_mobile == "+447911123456"


def test_create_requires_first_name(api, sales_user):
    for body in ({}, {"first_name": ""}, {"first_name": None}, {"first_name": "   "}):
        response = api(sales_user).post("/api/v1/people", body, format="json")
        assert response.status_code == 422, body
        assert list(response.json()["errors"]) == ["first_name"]
    assert Person.objects.count() == 0


def test_create_defaults_club_to_the_users_club(api, sales_user, club, company):
    ClubFactory(company=company)  # another club of the company: not the user's

    body = api(sales_user).post("/api/v1/people", {"first_name": "Eve"}, format="json").json()

    assert body["club_id"] == club.pk


def test_create_defaults_to_the_companys_first_club_for_a_user_without_club(api, company, club):
    user = UserFactory(company=company, club=None)

    body = api(user).post("/api/v1/people", {"first_name": "Eve"}, format="json").json()

    assert body["club_id"] == club.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [("club_id", "other_club"), ("owner_id", "other_user"), ("club_id", 987654)],
)
def test_create_with_another_companys_club_or_owner_is_422(
    api, sales_user, other_club, other_user, field, value
):
    value = {"other_club": other_club.pk, "other_user": other_user.pk}.get(value, value)

    response = api(sales_user).post(
        "/api/v1/people", {"first_name": "Eve", field: value}, format="json"
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Person.objects.filter(first_name="Eve").count() == 0


@pytest.mark.parametrize(
    ("country", "raw", "expected"),
    [
        ("GB", "07911 123456", "+447911123456"),
        ("GB", "(07911) 123-456", "+447911123456"),
        ("GB", "+44 7911 123456", "+447911123456"),
        ("GB", "0044 7911 123456", "+447911123456"),
        ("GB", "whatsapp:+447911123456", "+447911123456"),
        ("US", "(415) 555-2671", "+14155552671"),
        ("US", "415.555.2671", "+14155552671"),
        ("US", "1-415-555-2671", "+14155552671"),
        ("US", "+44 7911 123456", "+447911123456"),
        ("DE", "030 901820", "+4930901820"),
    ],
)
def test_phones_are_parsed_with_the_companys_default_country(
    api, sales_user, company, country, raw, expected
):
    company.default_country = country
    company.save()

    response = api(sales_user).post(
        "/api/v1/people", {"first_name": "Eve", "phone_mobile": raw}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["phone_mobile"] == expected
    assert Person.objects.get(pk=response.json()["id"]).phone_mobile == expected


@pytest.mark.parametrize(
    "raw", ["not a phone", "12", "+999 123", "0" * 30, "+44 7911 123456 ext 12 and more", "☎"]
)
@pytest.mark.parametrize("field", ["phone_mobile", "phone_home", "phone_work"])
def test_unparseable_phone_is_422(api, sales_user, raw, field):
    response = api(sales_user).post(
        "/api/v1/people", {"first_name": "Eve", field: raw}, format="json"
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Person.objects.count() == 0


def test_same_local_number_differs_by_company_country(api, sales_user, other_user):
    # other_company is GB too by default; make it US
    other_user.company.default_country = "US"
    other_user.company.save()
    raw = "2015550123"

    gb = api(sales_user).post(
        "/api/v1/people", {"first_name": "A", "phone_mobile": "07911123456"}, format="json"
    )
    us = api(other_user).post(
        "/api/v1/people", {"first_name": "B", "phone_mobile": raw}, format="json"
    )

    assert gb.json()["phone_mobile"] == "+447911123456"
    assert us.json()["phone_mobile"] == "+12015550123"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_update_any_subset(api, sales_user, person, method):
    old = {f: getattr(person, f) for f in ("first_name", "email", "phone_mobile", "status")}

    response = getattr(api(sales_user), method)(
        f"/api/v1/people/{person.pk}", {"last_name": "Smith-Jones"}, format="json"
    )

    assert response.status_code == 200
    person.refresh_from_db()
    assert person.last_name == "Smith-Jones"
    assert {f: getattr(person, f) for f in old} == old
    assert response.json()["last_name"] == "Smith-Jones"


def test_update_with_empty_body_changes_nothing(api, sales_user, person):
    before = Person.objects.filter(pk=person.pk).values().get()

    response = api(sales_user).put(f"/api/v1/people/{person.pk}", {}, format="json")

    assert response.status_code == 200
    assert Person.objects.filter(pk=person.pk).values().get() == before


def test_update_null_clears_a_text_field(api, sales_user, person):
    response = api(sales_user).patch(
        f"/api/v1/people/{person.pk}", {"email": None, "phone_mobile": ""}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["email"] is None
    assert response.json()["phone_mobile"] is None
    person.refresh_from_db()
    assert (person.email, person.phone_mobile) == ("", "")


def test_update_normalises_phones(api, sales_user, person):
    response = api(sales_user).put(
        f"/api/v1/people/{person.pk}", {"phone_work": "0161 496 0123"}, format="json"
    )

    assert response.json()["phone_work"] == "+441614960123"


def test_update_cannot_clear_the_club(api, sales_user, person, snapshot):
    before = snapshot()

    response = api(sales_user).put(f"/api/v1/people/{person.pk}", {"club_id": None}, format="json")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["club_id"]
    assert snapshot() == before


def test_refused_update_changes_nothing_even_when_other_fields_are_valid(
    api, sales_user, person, snapshot
):
    before = snapshot()

    response = api(sales_user).put(
        f"/api/v1/people/{person.pk}",
        {"last_name": "Changed", "whatsapp_opted_out": True, "phone_mobile": "garbage"},
        format="json",
    )

    assert response.status_code == 422
    assert snapshot() == before


def test_refused_update_with_foreign_owner_changes_nothing(
    api, sales_user, person, other_user, snapshot
):
    before = snapshot()

    response = api(sales_user).put(
        f"/api/v1/people/{person.pk}",
        {"last_name": "Changed", "sms_opted_out": True, "owner_id": other_user.pk},
        format="json",
    )

    assert response.status_code == 422
    assert response.json() == {"errors": {"owner_id": ["No such user in this company."]}}
    assert snapshot() == before


def test_update_bumps_updated_at(api, sales_user, person):
    before = person.updated_at

    api(sales_user).patch(f"/api/v1/people/{person.pk}", {"status": "member"}, format="json")

    person.refresh_from_db()
    assert person.updated_at > before
    assert person.status == "member"


def test_read_only_fields_are_ignored(api, sales_user, person):
    response = api(sales_user).patch(
        f"/api/v1/people/{person.pk}",
        {"id": 5, "created_at": "2000-01-01T00:00:00Z", "whatsapp": {"sent_count": 9}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["id"] == person.pk
    assert response.json()["whatsapp"]["sent_count"] == 0


# --- list and filters --------------------------------------------------------------------------


@pytest.fixture
def crowd(company, club):
    second = ClubFactory(company=company, name="Second")
    return {
        "ann": PersonFactory(
            company=company,
            club=club,
            first_name="Ann",
            last_name="Archer",
            email="ann@example.com",
            phone_mobile="+447911000001",
            status="lead",
        ),
        "bob": PersonFactory(
            company=company,
            club=second,
            first_name="Bob",
            last_name="Baker",
            email="bob@example.com",
            phone_mobile="+447911000002",
            status="member",
        ),
        "cat": PersonFactory(
            company=company,
            club=second,
            first_name="Cat",
            last_name="Anders",
            email="cat@example.org",
            phone_mobile="",
            status="lead",
        ),
        "second": second,
    }


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [p["first_name"] for p in response.json()["collection"]]


def test_list_filters(api, sales_user, crowd, other_person):
    client = api(sales_user)

    assert _names(client.get("/api/v1/people")) == ["Ann", "Bob", "Cat"]
    assert _names(client.get("/api/v1/people?email=BOB@example.com")) == ["Bob"]
    assert _names(client.get("/api/v1/people?phone_mobile=07911 000001")) == ["Ann"]
    assert _names(client.get("/api/v1/people?phone_mobile=%2B447911000002")) == ["Bob"]
    assert _names(client.get(f"/api/v1/people?club_id={crowd['second'].pk}")) == ["Bob", "Cat"]
    assert _names(client.get("/api/v1/people?status=lead")) == ["Ann", "Cat"]
    assert _names(client.get(f"/api/v1/people?status=lead&club_id={crowd['second'].pk}")) == ["Cat"]


def test_list_updated_since(api, sales_user, crowd):
    Person.objects.filter(pk=crowd["ann"].pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = api(sales_user).get("/api/v1/people", {"updated_since": since})

    assert _names(response) == ["Bob", "Cat"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("updated_since=yesterday", "updated_since"),
        ("club_id=abc", "club_id"),
        ("club_id=-1", "club_id"),
        ("status=vip", "status"),
        ("phone_mobile=nonsense", "phone_mobile"),
    ],
)
def test_list_bad_filter_values_are_422(api, sales_user, query, field):
    response = api(sales_user).get(f"/api/v1/people?{query}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_search(api, sales_user, crowd, other_person):
    client = api(sales_user)

    assert _names(client.get("/api/v1/people/search?first_name=an")) == ["Ann"]
    assert _names(client.get("/api/v1/people/search?last_name=A")) == ["Cat", "Ann"]
    assert _names(client.get("/api/v1/people/search?email=example.org")) == ["Cat"]
    assert _names(client.get("/api/v1/people/search?phone_mobile=000002")) == ["Bob"]
    assert _names(client.get("/api/v1/people/search?first_name=Olga")) == []
    body = client.get("/api/v1/people/search?first_name=b").json()
    assert body["pagination"]["total_entries"] == 1


def test_search_too_long_value_is_422(api, sales_user):
    response = api(sales_user).get("/api/v1/people/search", {"first_name": "x" * 101})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["first_name"]


# --- consent -------------------------------------------------------------------------------------


def test_opt_out_through_the_api_records_consent_and_note(api, sales_user, person):
    response = api(sales_user).patch(
        f"/api/v1/people/{person.pk}", {"whatsapp_opted_out": True}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["whatsapp_opted_out"] is True
    assert response.json()["whatsapp"]["available"] is False
    record = ConsentRecord.objects.get(person=person)
    assert (record.channel, record.opted_out, record.source, record.user) == (
        "whatsapp",
        True,
        "api",
        sales_user,
    )
    assert record.created_at <= timezone.now()
    note = Note.objects.get(person=person)
    assert note.kind == "opt_out"
    assert note.text.startswith("Opted out of WhatsApp through the API by ")
    assert note.user == sales_user


def test_opt_in_records_the_proof_with_user_and_time(api, sales_user, person):
    services.person_set_opt_out(person=person, channel="whatsapp", opted_out=True, source="keyword")
    proof = "Signed the WhatsApp consent form at the front desk, 2026-03-01."

    response = api(sales_user).put(
        f"/api/v1/people/{person.pk}",
        {"whatsapp_opted_out": False, "whatsapp_consent_proof": proof},
        format="json",
    )

    assert response.status_code == 200
    assert "whatsapp_consent_proof" not in response.json()
    record = ConsentRecord.objects.filter(person=person).order_by("-id").first()
    assert (record.opted_out, record.source, record.proof, record.user) == (
        False,
        "api",
        proof,
        sales_user,
    )
    note = Note.objects.filter(person=person, kind="opt_in").get()
    assert proof in note.text
    person.refresh_from_db()
    assert person.whatsapp_opted_out is False


def test_setting_the_same_opt_out_value_records_nothing(api, sales_user, person):
    api(sales_user).patch(
        f"/api/v1/people/{person.pk}", {"whatsapp_opted_out": False}, format="json"
    )

    assert ConsentRecord.objects.count() == 0
    assert Note.objects.count() == 0


def test_every_change_is_recorded(api, sales_user, person):
    client = api(sales_user)
    for value in (True, False, True):
        client.patch(f"/api/v1/people/{person.pk}", {"whatsapp_opted_out": value}, format="json")

    assert list(
        ConsentRecord.objects.filter(person=person).order_by("id").values_list("opted_out")
    ) == [(True,), (False,), (True,)]
    assert list(Note.objects.filter(person=person).order_by("id").values_list("kind")) == [
        ("opt_out",),
        ("opt_in",),
        ("opt_out",),
    ]


def test_sms_opt_out_is_independent_of_whatsapp(api, sales_user, person):
    response = api(sales_user).patch(
        f"/api/v1/people/{person.pk}", {"sms_opted_out": True}, format="json"
    )

    person.refresh_from_db()
    assert (person.sms_opted_out, person.whatsapp_opted_out) == (True, False)
    assert response.json()["whatsapp_opted_out"] is False
    assert list(ConsentRecord.objects.values_list("channel", "opted_out")) == [("sms", True)]


def test_create_opted_out_records_consent(api, sales_user):
    body = (
        api(sales_user)
        .post("/api/v1/people", {"first_name": "Eve", "whatsapp_opted_out": True}, format="json")
        .json()
    )

    record = ConsentRecord.objects.get(person_id=body["id"])
    assert (record.channel, record.opted_out, record.source, record.user) == (
        "whatsapp",
        True,
        "api",
        sales_user,
    )


def test_create_with_consent_proof_records_it(api, sales_user):
    body = (
        api(sales_user)
        .post(
            "/api/v1/people",
            {"first_name": "Eve", "whatsapp_consent_proof": "Ticked the box on the web form."},
            format="json",
        )
        .json()
    )

    record = ConsentRecord.objects.get(person_id=body["id"])
    assert (record.opted_out, record.proof, record.user) == (
        False,
        "Ticked the box on the web form.",
        sales_user,
    )


# --- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sales_user", "manager_user", "admin_user"])
def test_any_role_of_the_company_may_use_people(api, request, who, person):
    client = api(request.getfixturevalue(who))

    assert client.get("/api/v1/people").status_code == 200
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    assert (
        client.patch(f"/api/v1/people/{person.pk}", {"last_name": who}, format="json").status_code
        == 200
    )
    assert client.post("/api/v1/people", {"first_name": who}, format="json").status_code == 201


def test_superuser_without_company_cannot_write_people(api, superuser, person, snapshot):
    before = snapshot()
    client = api(superuser)

    assert client.post("/api/v1/people", {"first_name": "X"}, format="json").status_code == 403
    assert (
        client.put(f"/api/v1/people/{person.pk}", {"first_name": "X"}, format="json").status_code
        == 403
    )
    assert snapshot() == before


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_people_list_query_count_does_not_grow(
    api, sales_user, company, club, count, django_assert_num_queries
):
    PersonFactory.create_batch(count, company=company, club=club, owner=sales_user)
    client = api(sales_user)

    # user (auth), count, page, WhatsApp settings, message counts
    with django_assert_num_queries(5):
        response = client.get("/api/v1/people?per_page=200")

    assert len(response.json()["collection"]) == count
