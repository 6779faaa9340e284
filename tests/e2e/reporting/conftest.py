"""The reports fixtures, for their pages in Chromium."""

from tests.reporting.conftest import data, promo  # noqa: F401
