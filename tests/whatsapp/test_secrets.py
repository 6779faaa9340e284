"""Twilio auth tokens at rest: encrypted with keys from the environment, rotated with a command,
still used as plain text by sends and webhooks, and never in a repr, a page or a log."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from tests.whatsapp.conftest import AUTH_TOKEN, inbound_params, open_session
from whatsapp import services
from whatsapp.models import WhatsAppSettings
from whatsapp.providers import locmem
from whatsapp.services.settings import credentials_for


def stored_token(company) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT twilio_auth_token FROM whatsapp_whatsappsettings WHERE company_id = %s",
            [company.pk],
        )
        return cursor.fetchone()[0]


def test_the_token_is_encrypted_in_the_database(wa, company):
    stored = stored_token(company)

    assert stored.startswith("fernet:")
    assert AUTH_TOKEN not in stored
    assert WhatsAppSettings.objects.get(company=company).twilio_auth_token == AUTH_TOKEN


def test_a_token_set_through_the_api_is_stored_encrypted(api, superuser, company):
    token = "tok-from-the-api-7f3a9c"
    response = api(superuser).put(
        f"/api/v1/companies/{company.pk}/whatsapp",
        {"twilio_account_sid": "AC" + "7" * 32, "twilio_auth_token": token},
        format="json",
    )

    assert response.status_code == 200
    assert token not in stored_token(company)
    assert WhatsAppSettings.objects.get(company=company).twilio_auth_token == token


def test_keys_rotate_with_the_reencrypt_command(wa, company, settings):
    old_keys = list(settings.SECRETS_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    before = stored_token(company)
    settings.SECRETS_ENCRYPTION_KEYS = [new_key, *old_keys]  # a new key in front
    assert WhatsAppSettings.objects.get(company=company).twilio_auth_token == AUTH_TOKEN

    out = io.StringIO()
    call_command("reencrypt_secrets", stdout=out)

    assert out.getvalue() == "Re-encrypted 1 Twilio auth token(s) with the current key.\n"

    assert stored_token(company) != before
    settings.SECRETS_ENCRYPTION_KEYS = [new_key]  # the old key dropped: still readable
    assert WhatsAppSettings.objects.get(company=company).twilio_auth_token == AUTH_TOKEN
    settings.SECRETS_ENCRYPTION_KEYS = old_keys  # the old key alone no longer reads it
    with pytest.raises(ImproperlyConfigured, match="does not decrypt"):
        WhatsAppSettings.objects.get(company=company)


def test_sends_and_webhooks_use_the_plain_token(
    wa, person, sales_user, template, post_webhook, monkeypatch
):
    used = []
    send = locmem.LocmemBackend.send

    def recording_send(self, outbound):
        used.append(self.credentials.auth_token)
        return send(self, outbound)

    monkeypatch.setattr(locmem.LocmemBackend, "send", recording_send)
    message = services.message_send(person=person, user=sales_user, template=template)
    services.message_deliver(message_id=message.pk)

    assert used == [AUTH_TOKEN]
    assert post_webhook("inbound", inbound_params(person.phone_mobile, "Hi")).status_code == 200


def test_the_token_is_in_no_repr_page_or_log(
    api, client, superuser, company, person, sales_user, template, post_webhook, caplog
):
    token = "tok-never-shown-5d2e8b"
    caplog.set_level(logging.DEBUG)
    api(superuser).put(
        f"/api/v1/companies/{company.pk}/whatsapp",
        {
            "enabled": True,
            "sender_number": "+14155550100",
            "twilio_account_sid": "AC" + "1" * 32,
            "twilio_auth_token": token,
        },
        format="json",
    )
    wa = WhatsAppSettings.objects.get(company=company)
    open_session(person)
    message = services.message_send(person=person, user=sales_user, body="Hello")
    services.message_deliver(message_id=message.pk)
    client.force_login(superuser)
    admin_page = client.get(f"/admin/whatsapp/whatsappsettings/{wa.pk}/change/")
    api_body = api(superuser).get(f"/api/v1/companies/{company.pk}/whatsapp").content

    assert admin_page.status_code == 200
    for shown in (
        repr(wa),
        str(wa),
        repr(credentials_for(wa)),
        admin_page.content.decode(),
        api_body.decode(),
        caplog.text,
    ):
        assert token not in shown
