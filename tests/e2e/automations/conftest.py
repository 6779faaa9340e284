"""The Automated Items fixtures, for their pages in Chromium."""

from tests.automations.conftest import (  # noqa: F401
    approved_template,
    pending_template,
    welcome_item,
    whatsapp_on,
)
