"""Twilio webhooks never answer 500, whatever the caller sends (issue 9 item 15)."""

import pytest

from tests.whatsapp.conftest import status_params
from whatsapp.models import WebhookEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("signature", ["é" * 28, "\u2603", "abc\x00\xff"])
def test_non_ascii_signature_is_403_and_never_shows_the_expected_one(
    post_webhook, wa, settings, signature
):
    settings.DEBUG = True  # the debug page of a 500 would show the expected signature

    response = post_webhook(
        "status", status_params("SM" + "c" * 32, "delivered"), signature=signature
    )

    assert response.status_code == 403
    assert response.content == b""
    assert not WebhookEvent.objects.exists()
