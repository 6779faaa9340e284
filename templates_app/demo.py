"""This app's part of `manage.py seed_demo` (idempotent)."""

from __future__ import annotations

import hashlib

from templates_app.models import MessageTemplate, TemplateStatus
from templates_app.services import template_create

DEMO_TEMPLATES = [
    (
        {
            "name": "Welcome new lead",
            "category": "utility",
            "body": "Hi {{1}}, thanks for your interest in {{2}}! Reply to this message "
            "to book your free trial session.",
            "variables": {"1": {"field": "first_name"}, "2": {"field": "club_name"}},
            "twilio_approved": True,
        },
        TemplateStatus.APPROVED,
    ),
    (
        {
            "name": "Class promo",
            "category": "marketing",
            "header": {"type": "text", "text": "New classes this month"},
            "body": "Hi {{1}}, our new HIIT and yoga classes start next week. "
            "Want us to save you a spot?",
            "footer": "Reply STOP to opt out",
            "buttons": [
                {"type": "quick_reply", "text": "Yes please"},
                {"type": "quick_reply", "text": "Not now"},
            ],
            "variables": {"1": {"field": "first_name"}},
        },
        TemplateStatus.APPROVED,
    ),
    (
        {
            "name": "Re-engage",
            "category": "marketing",
            "body": "Hi {{1}}, it has been a while since we spoke. Is now a good time to "
            "talk about your fitness goals?",
            "variables": {"1": {"field": "first_name"}},
            "is_recontact": True,
        },
        TemplateStatus.APPROVED,
    ),
    (
        {
            "name": "Draft offer",
            "category": "marketing",
            "body": "Hi {{1}}, join this month and get your first month at {{2}}. "
            "Ask {{3}} for details.",
            "variables": {
                "1": {"field": "first_name"},
                "2": {"value": "half price"},
                "3": {"field": "owner_first_name"},
            },
        },
        TemplateStatus.DRAFT,
    ),
]


def _demo_content_sid(name: str) -> str:
    return "HX" + hashlib.sha256(f"demo:{name}".encode()).hexdigest()[:32]


def seed(*, company, users: dict) -> list[str]:
    """Create this app's demo rows for `company`; return lines to print."""
    created = 0
    for data, status in DEMO_TEMPLATES:
        existing = MessageTemplate.objects.filter(company=company, name=data["name"])
        if not existing.exists():
            template_create(company=company, data={**data, "twilio_approved": False})
            created += 1
        if status != TemplateStatus.DRAFT:
            # Demo rows stand for templates Meta already approved: a made-up Content SID (the
            # console backend sends any), so they go out as templates, never as free text.
            existing.filter(content_sid="").update(
                status=status,
                content_sid=_demo_content_sid(data["name"]),
                twilio_approved=data.get("twilio_approved", False),
            )
    total = MessageTemplate.objects.filter(company=company).count()
    return [
        f"templates {total} WhatsApp templates ({created} new) at /settings/whatsapp/templates/; "
        "submit the draft: the console backend approves it ~10 s later (Sync status)"
    ]
