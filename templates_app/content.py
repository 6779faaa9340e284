"""A template as filed with the provider's content API (`whatsapp.providers.ContentDraft`): Meta's
name for it, its samples; the provider's adapter turns it into its own request."""

from __future__ import annotations

import re

from templates_app.rules import variable_sample
from whatsapp.providers import ContentDraft


def meta_template_name(template) -> str:
    """Meta's template names are lowercase letters, digits and underscores."""
    slug = re.sub(r"[^a-z0-9]+", "_", template.name.lower()).strip("_") or "template"
    return f"{slug[:480]}_{template.pk}"


def content_draft(template) -> ContentDraft:
    variables = sorted((template.variables or {}).items(), key=lambda item: int(item[0]))
    return ContentDraft(
        name=meta_template_name(template),
        language=template.language,
        category=template.category,
        body=template.body,
        header=template.header if isinstance(template.header, dict) else {},
        footer=template.footer,
        buttons=tuple(template.buttons or ()),
        variable_samples={
            str(number): variable_sample(mapping)
            for number, mapping in variables
            if isinstance(mapping, dict)
        },
    )
