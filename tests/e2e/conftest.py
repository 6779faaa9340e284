"""Browser tests (every test that drives Chromium lives under tests/e2e/): the staff UI fixtures
(WhatsApp on, locmem backend, a template); per-app fixtures in the sub-folders."""

from tests.ui.conftest import locmem_backend, sale_types, welcome_template, whatsapp_on  # noqa: F401
