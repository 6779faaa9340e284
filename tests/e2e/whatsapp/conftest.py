"""The WhatsApp fixtures (locmem backend, an enabled company, signed webhooks), for pages in Chromium."""

from tests.whatsapp.conftest import _whatsapp_test_settings, post_webhook, wa  # noqa: F401
