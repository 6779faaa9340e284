"""The reports fixtures, for their pages in Chromium."""

from tests.reporting.conftest import data  # noqa: F401
