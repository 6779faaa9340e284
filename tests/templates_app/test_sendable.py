""" "Sendable" is one rule: MessageTemplate.is_sendable on one template and templates_sendable's
query (templates_app.models.SENDABLE) agree on every combination that matters."""

import itertools

from templates_app.models import MessageTemplate, TemplateStatus
from templates_app.selectors import templates_sendable


def test_is_sendable_and_the_sendable_query_agree(make_template, company):
    combos = list(itertools.product(TemplateStatus.values, (False, True), ("", "HX" + "a" * 32)))
    for index, (status, ticked, content_sid) in enumerate(combos):
        make_template(
            name=f"T{index}", status=status, twilio_approved=ticked, content_sid=content_sid
        )

    by_query = set(templates_sendable(company=company).values_list("name", flat=True))
    by_property = {t.name for t in MessageTemplate.objects.filter(company=company) if t.is_sendable}

    assert by_query == by_property
    # Approved (ticked or not), and ticked while draft, unsubmitted or pending; with a Content SID.
    assert len(by_query) == 5
