"""`manage.py seed_demo`'s hook: the core creates the demo company, its club, staff and people; each
app adds its own demo rows with a seeder it registers in its `AppConfig.ready()`:
`seed(company=, users={"admin"|"manager"|"sales": User}) -> list[str]` (lines to print), idempotent.
Seeders run in the order they registered (the order of INSTALLED_APPS).
"""

from __future__ import annotations

DEMO_SEEDERS: list = []


def demo_seeder_register(seed) -> None:
    if seed not in DEMO_SEEDERS:
        DEMO_SEEDERS.append(seed)
