"""Browser-test fixtures: the staff UI fixtures (WhatsApp on, locmem backend, a template)."""

from tests.ui.conftest import locmem_backend, sale_types, welcome_template, whatsapp_on  # noqa: F401
