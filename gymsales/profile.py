"""Everything the Client Profile page shows, gathered in a fixed number of queries."""

from __future__ import annotations

from gymsales.models import Person
from whatsapp.selectors import whatsapp_settings_for, whatsapp_summaries


def profile_context(request, person: Person) -> dict:
    company = request.user.company
    return {
        "person": person,
        "whatsapp_settings": whatsapp_settings_for(company=company),
        "whatsapp": whatsapp_summaries(company=company, people=[person])[person.pk],
    }
