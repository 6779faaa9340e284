"""Retargeting: a Bulk WhatsApp report bucket ("read but did not reply", …) becomes the audience of a
new draft campaign (`audience.person_ids`), which the campaign pages then pre-flight and start."""

from __future__ import annotations

from django.db.models import QuerySet

from automations.campaigns.models import Campaign, CampaignStatus
from gymsales.errors import FieldErrors
from gymsales.models import Company, Person, User
from gymsales.parsing import parse_id
from templates_app.models import MessageTemplate
from templates_app.selectors import templates_sendable

# A campaign audience of person ids stays a reasonable JSON document.
MAX_PEOPLE = 100_000


def approved_templates(*, company: Company) -> QuerySet[MessageTemplate]:
    return templates_sendable(company=company)


def campaign_from_people(
    *, company: Company, user: User, name: str, template_id, people: QuerySet[Person]
) -> Campaign:
    """A draft campaign to exactly these people; FieldErrors when the input is not usable."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the new campaign a name."]
    elif len(name) > 200:
        errors["name"] = ["At most 200 characters."]
    pk = parse_id(str(template_id or "").strip())
    template = approved_templates(company=company).filter(pk=pk).first() if pk else None
    if template is None:
        errors["template_id"] = ["Choose an approved template."]
    person_ids = list(people.values_list("pk", flat=True)[: MAX_PEOPLE + 1])
    if not person_ids:
        errors["base"] = ["This bucket has nobody to send to."]
    elif len(person_ids) > MAX_PEOPLE:
        errors["base"] = [f"At most {MAX_PEOPLE:,} people in one campaign."]
    if errors:
        raise FieldErrors(errors)
    return Campaign.objects.create(
        company=company,
        name=name,
        template=template,
        audience={"person_ids": person_ids},
        status=CampaignStatus.DRAFT,
        created_by=user,
    )
