"""This app's part of `manage.py seed_demo` (idempotent)."""


def seed(*, company, users: dict) -> list[str]:
    """Create this app's demo rows for `company`; return lines to print."""
    return []
