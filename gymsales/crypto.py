"""Secrets at rest (the companies' Twilio auth tokens): Fernet (AES-128-CBC + HMAC-SHA256, from
the `cryptography` package) with keys from the environment, never from the database.

SECRETS_ENCRYPTION_KEYS lists Fernet keys, newest first: the first encrypts, every one decrypts,
so a key is rotated by putting a new one in front, running `manage.py reencrypt_secrets`, then
dropping the old one (README "Secrets at rest"). Stored values carry a prefix, so a value is
never mistaken for ciphertext or plaintext.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "SECRETS_ENCRYPTION_KEYS must list Fernet keys (Fernet.generate_key())."
        ) from exc


def _keys() -> MultiFernet:
    return _fernet(tuple(settings.SECRETS_ENCRYPTION_KEYS))


def secret_encrypt(plain: str) -> str:
    return PREFIX + _keys().encrypt(plain.encode()).decode() if plain else ""


def secret_decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ImproperlyConfigured("A stored secret is not encrypted: run migrations.")
    try:
        return _keys().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret does not decrypt with SECRETS_ENCRYPTION_KEYS: is the key it was "
            "encrypted with missing?"
        ) from None


class EncryptedTextField(models.TextField):
    """Plain text in Python, Fernet ciphertext in the database. Not searchable (only "" is)."""

    def from_db_value(self, value, expression, connection):
        return secret_decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return secret_encrypt(value) if value else value
