"""This app's part of `manage.py seed_demo` (idempotent)."""

from automations.models import AutomatedItem, AutomationKind, TriggerEvent
from templates_app.models import MessageTemplate

DEMO_ITEM = "Welcome new leads"
DEMO_TEMPLATE = "Welcome new lead"


def seed(*, company, users: dict) -> list[str]:
    """An active "Welcome new leads" item sending the demo's welcome template to every new lead."""
    template = MessageTemplate.objects.filter(company=company, name=DEMO_TEMPLATE).first()
    if template is None:
        return [f'Automated Item "{DEMO_ITEM}" skipped: no "{DEMO_TEMPLATE}" template.']
    AutomatedItem.objects.update_or_create(
        company=company,
        name=DEMO_ITEM,
        defaults={
            "kind": AutomationKind.SEND_WHATSAPP,
            "trigger_event": TriggerEvent.LEAD_CREATED,
            "delay_minutes": 0,
            "template": template,
            "active": True,
        },
    )
    return [f'Automated Item "{DEMO_ITEM}": new leads get the "{DEMO_TEMPLATE}" template.']
