"""The navigation bar offers what the user's role may open, and marks only the current page."""

import re

import pytest


@pytest.mark.parametrize(
    ("role_fixture", "expected"),
    [
        ("sales_user", ["People", "Newsfeed"]),
        ("manager_user", ["People", "Newsfeed", "Campaigns", "Reports"]),
        ("admin_user", ["People", "Newsfeed", "Templates", "Automations", "Campaigns", "Reports"]),
    ],
)
def test_navigation_items_follow_the_role(client, request, role_fixture, expected):
    client.force_login(request.getfixturevalue(role_fixture))
    html = client.get("/people/").content.decode()
    nav = html[html.index('<nav aria-label="Main">') : html.index("</nav>")]

    assert re.findall(r">([A-Za-z]+)</a>", nav) == expected


def test_only_the_current_section_is_marked(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/settings/automations/").content.decode()

    assert html.count('aria-current="page"') == 1
    assert '<a href="/settings/automations/" aria-current="page">' in html
