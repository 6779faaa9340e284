"""Property-based fuzzing of the people API: any body, never a 500; a refusal changes nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gymsales.models import ConsentRecord, Note, Person

pytestmark = pytest.mark.django_db

WRITABLE = [
    "first_name",
    "last_name",
    "email",
    "phone_mobile",
    "phone_home",
    "phone_work",
    "club_id",
    "owner_id",
    "status",
    "source_name",
    "sms_opted_out",
    "email_opted_out",
    "whatsapp_opted_out",
    "whatsapp_consent_proof",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
    | st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "+447911123456",
            "07911 123456",
            "lead",
            "member",
            "true",
            "x" * 6000,
            "😀" * 300,
            "'; drop table people; --",
            "9" * 40,
            "NaN",
        ]
    )
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
bodies = (
    st.dictionaries(st.sampled_from(WRITABLE) | st.text(max_size=10), json_values, max_size=6)
    | json_values
)


def _stored() -> list:
    return [
        list(Person.objects.order_by("id").values()),
        ConsentRecord.objects.count(),
        Note.objects.count(),
    ]


def _encode(body) -> str:
    return json.dumps(body, allow_nan=True)


FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=bodies)
def test_create_never_500_and_refusal_stores_nothing(api, sales_user, person, body):
    before = _stored()

    response = api(sales_user).post(
        "/api/v1/people", _encode(body), content_type="application/json"
    )

    assert response.status_code in (201, 400, 422), response.content[:300]
    assert "errors" in response.json() or response.status_code == 201
    if response.status_code != 201:
        assert _stored() == before
    else:
        Person.objects.filter(pk=response.json()["id"]).delete()


@FUZZ
@given(body=bodies, method=st.sampled_from(["put", "patch"]))
def test_update_never_500_and_refusal_changes_nothing(api, sales_user, person, body, method):
    before = _stored()

    response = getattr(api(sales_user), method)(
        f"/api/v1/people/{person.pk}", _encode(body), content_type="application/json"
    )

    assert response.status_code in (200, 400, 422), response.content[:300]
    if response.status_code != 200:
        assert _stored() == before


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "email",
                "phone_mobile",
                "club_id",
                "status",
                "updated_since",
                "page",
                "per_page",
                "first_name",
                "last_name",
            ]
        ),
        st.text(max_size=300),
        max_size=4,
    ),
    path=st.sampled_from(["/api/v1/people", "/api/v1/people/search"]),
)
def test_list_and_search_never_500(api, sales_user, person, params, path):
    response = api(sales_user).get(path, params)

    assert response.status_code in (200, 422), response.content[:300]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded"]),
)
def test_raw_bytes_never_500(api, sales_user, person, raw, content_type):
    before = _stored()

    response = api(sales_user).patch(f"/api/v1/people/{person.pk}", raw, content_type=content_type)

    assert response.status_code in (200, 400, 415, 422), response.content[:300]
    if response.status_code != 200:
        assert _stored() == before
