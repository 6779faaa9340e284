"""The templates fixtures (locmem Content API backend, a template maker), for their pages in Chromium."""

from tests.templates_app.conftest import (  # noqa: F401
    _locmem_backend,
    approved_template,
    make_template,
)
