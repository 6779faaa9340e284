"""The navigation bar: the core's People page, then the pages the apps add in their
AppConfig.ready() with `nav_item_register` (in the order of INSTALLED_APPS)."""

from __future__ import annotations

from gymsales.models import Role

ALL_ROLES = frozenset(Role.values)
# (label, path, the roles that see it)
NAV_ITEMS: list[tuple[str, str, frozenset[str]]] = [("People", "/people/", ALL_ROLES)]


def nav_item_register(label: str, path: str, roles=ALL_ROLES) -> None:
    """Add a page to the navigation bar for `roles` (every company role by default)."""
    if all(known[1] != path for known in NAV_ITEMS):
        NAV_ITEMS.append((label, path, frozenset(roles)))


def navigation(request):
    """The navigation bar's items for the user's role, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.company_id is None:
        return {"nav_items": []}
    path = request.path
    return {
        "nav_items": [
            (label, url, path.startswith(url))
            for label, url, roles in NAV_ITEMS
            if user.role in roles
        ]
    }
