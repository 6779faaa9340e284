"""Meta's rules, table-driven: each rule once passing and once failing, with the field named."""

import pytest

from templates_app import meta_limits as limits
from templates_app.rules import template_errors

BASE = {
    "name": "Welcome",
    "category": "utility",
    "language": "en",
    "header": None,
    "body": "Hello {{1}}, welcome to the club. We look forward to seeing you soon.",
    "footer": "",
    "buttons": [],
    "variables": {"1": {"field": "first_name"}},
}
LONG_FIXED = "Hello {{1}}, welcome to the club. We look forward to seeing you soon."
QR = {"type": "quick_reply", "text": "Yes"}
URL = {"type": "url", "text": "Book", "url": "https://gym.example/book"}
PHONE = {"type": "phone", "text": "Call us", "phone": "+14155550100"}

CASES = [
    # (rule, changes, failing field or None when valid)
    ("name required", {"name": ""}, "name"),
    ("name ok", {"name": "Promo 1"}, None),
    ("name length", {"name": "x" * (limits.NAME_MAX_CHARS + 1)}, "name"),
    ("category unknown", {"category": "promo"}, "category"),
    ("category marketing", {"category": "marketing"}, None),
    ("category authentication", {"category": "authentication"}, None),
    ("language bad", {"language": "english"}, "language"),
    ("language with region", {"language": "pt_BR"}, None),
    ("body empty", {"body": "  ", "variables": {}}, "body"),
    ("body at limit", {"body": "a" * limits.BODY_MAX_CHARS, "variables": {}}, None),
    ("body over limit", {"body": "a" * (limits.BODY_MAX_CHARS + 1), "variables": {}}, "body"),
    ("starts with variable", {"body": "{{1}} welcome to the club, see you very soon."}, "body"),
    ("ends with variable", {"body": "Welcome to the club, we will see you soon {{1}}"}, "body"),
    (
        "ends with variable then punctuation",
        {"body": "Welcome to the club, see you soon {{1}}!"},
        None,
    ),
    (
        "mostly variables",
        {
            "body": "Hi {{1}} {{2}} {{3}} ok",
            "variables": {
                "1": {"field": "first_name"},
                "2": {"field": "last_name"},
                "3": {"value": "x"},
            },
        },
        "body",
    ),
    (
        "enough fixed words (2 per variable + 1)",
        {
            "body": "Hi {{1}} and {{2}}, see you soon.",
            "variables": {"1": {"field": "first_name"}, "2": {"field": "last_name"}},
        },
        None,
    ),
    (
        "gap in numbering",
        {"body": LONG_FIXED.replace("{{1}}", "{{2}}"), "variables": {"2": {"field": "first_name"}}},
        "body",
    ),
    (
        "out of order",
        {
            "body": "Hi {{2}}, welcome to {{1}}, we look forward to seeing you soon.",
            "variables": {"1": {"field": "club_name"}, "2": {"field": "first_name"}},
        },
        "body",
    ),
    ("variable without mapping", {"variables": {}}, "variables"),
    ("mapping to unknown field", {"variables": {"1": {"field": "shoe_size"}}}, "variables"),
    ("mapping to fixed value", {"variables": {"1": {"value": "friend"}}}, None),
    ("fixed value empty", {"variables": {"1": {"value": " "}}}, "variables"),
    (
        "explicit empty sample",
        {"variables": {"1": {"field": "first_name", "sample": ""}}},
        "variables",
    ),
    ("explicit sample", {"variables": {"1": {"field": "first_name", "sample": "Ana"}}}, None),
    (
        "unused mapping",
        {"variables": {"1": {"field": "first_name"}, "2": {"value": "x"}}},
        "variables",
    ),
    ("text header", {"header": {"type": "text", "text": "Welcome!"}}, None),
    ("header too long", {"header": {"type": "text", "text": "h" * 61}}, "header"),
    (
        "header with one variable",
        {
            "header": {"type": "text", "text": "Hi {{2}}"},
            "variables": {"1": {"field": "first_name"}, "2": {"field": "club_name"}},
        },
        None,
    ),
    (
        "header with two variables",
        {
            "header": {"type": "text", "text": "Hi {{1}} {{2}}"},
            "variables": {"1": {"field": "first_name"}, "2": {"field": "club_name"}},
        },
        "header",
    ),
    ("image header", {"header": {"type": "image", "url": "https://gym.example/a.jpg"}}, None),
    ("media header without https URL", {"header": {"type": "video", "url": "ftp://x"}}, "header"),
    ("header type unknown", {"header": {"type": "audio", "url": "https://x.example/a"}}, "header"),
    ("footer ok", {"footer": "Reply STOP to opt out"}, None),
    ("footer too long", {"footer": "f" * 61}, "footer"),
    ("footer with variable", {"footer": "Bye {{1}}"}, "footer"),
    ("ten quick replies", {"buttons": [dict(QR, text=f"Option {i}") for i in range(10)]}, None),
    ("eleven buttons", {"buttons": [dict(QR, text=f"Option {i}") for i in range(11)]}, "buttons"),
    ("two URLs and a phone", {"buttons": [URL, dict(URL, text="Site"), PHONE]}, None),
    ("three URLs", {"buttons": [URL, URL, URL]}, "buttons"),
    ("two phones", {"buttons": [PHONE, PHONE]}, "buttons"),
    ("mixing quick reply and CTA", {"buttons": [QR, URL]}, "buttons"),
    ("button text too long", {"buttons": [dict(QR, text="x" * 26)]}, "buttons"),
    ("button text at limit", {"buttons": [dict(QR, text="x" * 25)]}, None),
    ("URL button without https", {"buttons": [dict(URL, url="http://gym.example")]}, "buttons"),
    ("phone button not E.164", {"buttons": [dict(PHONE, phone="0207 123")]}, "buttons"),
    ("button type unknown", {"buttons": [{"type": "copy", "text": "Code"}]}, "buttons"),
]


@pytest.mark.parametrize(("rule", "changes", "field"), CASES, ids=[c[0] for c in CASES])
def test_meta_rule(rule, changes, field):
    errors = template_errors({**BASE, **changes})

    if field is None:
        assert errors == {}
    else:
        assert list(errors) == [field], errors
        assert all(isinstance(message, str) and message for message in errors[field])
