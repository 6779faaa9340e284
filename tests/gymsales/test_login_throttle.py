"""Log-in throttling (API.md Conventions): per account and address, 429 with Retry-After on the
API, a try-again-later page, nobody else locked out, and no password hashing once locked."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from gymsales.login_throttle import MESSAGE
from tests.conftest import basic_auth
from tests.factories import PASSWORD
from tests.gymsales.conftest import THROTTLE_LIMIT as LIMIT

URL = "/api/v1/people"


def get(client, email, password, address="10.0.0.1"):
    return client.get(URL, HTTP_AUTHORIZATION=basic_auth(email, password), REMOTE_ADDR=address)


@pytest.fixture
def hashing(monkeypatch):
    """Counts password hashes (the CPU an attacker could make us burn)."""
    calls = []
    original = MD5PasswordHasher.encode

    def encode(self, password, salt):
        calls.append(1)
        return original(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", encode)
    return calls


def test_repeated_failures_for_one_account_and_address_get_429_with_retry_after(
    client, throttle, sales_user, hashing
):
    for _ in range(LIMIT - 1):
        assert get(client, sales_user.email, "wrong").status_code == 401

    locked = get(client, sales_user.email, "wrong")

    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert locked.json()["code"] == "throttled"
    assert locked.json()["errors"]["base"] == [f"{MESSAGE} Expected available in 900 seconds."]
    hashed = len(hashing)
    # Locked: even the right password is refused, and no password is hashed any more.
    for password in ("wrong", "also wrong", PASSWORD):
        assert get(client, sales_user.email.upper(), password).status_code == 429
    assert len(hashing) == hashed


def test_other_users_and_other_addresses_are_not_locked_out(
    client, throttle, sales_user, manager_user
):
    for _ in range(LIMIT):
        get(client, sales_user.email, "wrong")
    assert get(client, sales_user.email, "wrong").status_code == 429

    assert get(client, manager_user.email, PASSWORD).status_code == 200  # same address
    assert get(client, sales_user.email, PASSWORD, address="10.0.0.2").status_code == 200
    assert get(client, manager_user.email, "wrong").status_code == 401  # its own count


def test_a_success_before_the_limit_starts_the_count_again(client, throttle, sales_user):
    for _ in range(LIMIT - 1):
        get(client, sales_user.email, "wrong")

    client.post(
        "/accounts/login/",
        {"username": sales_user.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    client.logout()

    for _ in range(LIMIT - 1):
        assert get(client, sales_user.email, "wrong").status_code == 401


def test_throttling_fails_open_when_the_cache_is_down(client, throttle, sales_user, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.get", down)
    monkeypatch.setattr("django.core.cache.backends.redis.RedisCache.add", down)

    assert get(client, sales_user.email, "wrong").status_code == 401
    assert get(client, sales_user.email, PASSWORD).status_code == 200
