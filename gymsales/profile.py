"""The Client Profile page: the core's contact details, and the panels the apps register.

An app adds to the page in its `AppConfig.ready()` with `profile_panel_register(ProfilePanel(...))`.
`context(request, person)` returns what its templates need (merged into the page's context, so
keep it to a fixed number of queries), and `templates` names, per slot, the template it shows:

- `actions`: the page head, beside the name;
- `mobile`: after the mobile number in Contact details;
- `side`: the left column, under Contact details;
- `main`: the right column;
- `end`: after the page's grid (dialogs).

Panels appear in the order they registered (the order of INSTALLED_APPS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.http import HttpRequest

from gymsales.models import Person

SLOTS = ("actions", "mobile", "side", "main", "end")


@dataclass(frozen=True)
class ProfilePanel:
    name: str
    context: Callable[[HttpRequest, Person], dict]
    templates: Mapping[str, str]

    def __post_init__(self):
        unknown = set(self.templates) - set(SLOTS)
        if unknown:
            raise ValueError(f"Profile panel {self.name!r}: no such slot {sorted(unknown)}")


PROFILE_PANELS: list[ProfilePanel] = []


def profile_panel_register(panel: ProfilePanel) -> None:
    """Add `panel` to the page; registering the same name again replaces it (ready() may rerun)."""
    for index, known in enumerate(PROFILE_PANELS):
        if known.name == panel.name:
            PROFILE_PANELS[index] = panel
            return
    PROFILE_PANELS.append(panel)


def panel_templates() -> dict[str, list[str]]:
    """The templates of every slot, in registration order."""
    slots: dict[str, list[str]] = {slot: [] for slot in SLOTS}
    for panel in PROFILE_PANELS:
        for slot, template in panel.templates.items():
            slots[slot].append(template)
    return slots


def profile_context(request: HttpRequest, person: Person) -> dict:
    context: dict = {"person": person}
    for panel in PROFILE_PANELS:
        context.update(panel.context(request, person))
    context["profile_panels"] = panel_templates()
    return context
