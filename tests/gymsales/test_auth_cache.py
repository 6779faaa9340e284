"""Remembered Basic-auth credentials: faster, yet a changed password or deactivation applies at once."""

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def remembered(settings):
    settings.API_AUTH_CACHE_SECONDS = 60


def test_second_request_skips_the_password_check(api, sales_user, remembered, monkeypatch):
    from gymsales.models import User

    checks = []
    original = User.check_password
    monkeypatch.setattr(
        User, "check_password", lambda self, raw: checks.append(1) or original(self, raw)
    )
    client = api(sales_user)
    for _ in range(3):
        assert client.get("/api/v1/people").status_code == 200

    assert len(checks) == 1


def test_changed_password_is_refused_at_once(api, sales_user, remembered):
    client = api(sales_user)
    assert client.get("/api/v1/people").status_code == 200
    sales_user.set_password("a-new-password-99")
    sales_user.save()

    assert client.get("/api/v1/people").status_code == 401
    assert api(sales_user, "a-new-password-99").get("/api/v1/people").status_code == 200


def test_deactivated_user_is_refused_at_once(api, sales_user, remembered):
    client = api(sales_user)
    assert client.get("/api/v1/people").status_code == 200
    sales_user.is_active = False
    sales_user.save()

    assert client.get("/api/v1/people").status_code == 401


def test_wrong_password_is_never_remembered(api, sales_user, remembered):
    assert api(sales_user, "wrong").get("/api/v1/people").status_code == 401
    assert api(sales_user, "wrong").get("/api/v1/people").status_code == 401
    assert api(sales_user, PASSWORD).get("/api/v1/people").status_code == 200
