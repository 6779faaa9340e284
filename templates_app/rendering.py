"""Fill a template's variables for one person: Twilio's `content_variables` and a preview text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gymsales.errors import DomainError
from gymsales.models import Person

VARIABLE = re.compile(r"\{\{\s*(\d+)\s*\}\}")

# What a variable may be mapped to: {"field": <one of these>} or {"value": "fixed text"}.
PERSON_FIELDS = {
    "first_name": ("First name", lambda p: p.first_name),
    "last_name": ("Last name", lambda p: p.last_name),
    "full_name": ("Full name", lambda p: p.full_name),
    "email": ("Email", lambda p: p.email),
    "phone_mobile": ("Mobile phone", lambda p: p.phone_mobile),
    "club_name": ("Club name", lambda p: p.club.name),
    "company_name": ("Company name", lambda p: p.company.name),
    "owner_name": ("Owner's name", lambda p: p.owner.get_full_name() if p.owner else ""),
    "owner_first_name": ("Owner's first name", lambda p: p.owner.first_name if p.owner else ""),
}

# Stock samples for Meta's reviewers when a variable mapped to a person field has none of its own.
FIELD_SAMPLES = {
    "first_name": "Jane",
    "last_name": "Doe",
    "full_name": "Jane Doe",
    "email": "jane@example.com",
    "phone_mobile": "+14155550100",
    "club_name": "Downtown Club",
    "company_name": "Demo Fitness",
    "owner_name": "Sam Sales",
    "owner_first_name": "Sam",
}


@dataclass(frozen=True)
class RenderedTemplate:
    """`text` is the filled body; `preview` adds the header, footer and buttons as WhatsApp shows them."""

    content_variables: dict[str, str]
    text: str
    header: str = ""
    footer: str = ""
    buttons: tuple[str, ...] = ()

    @property
    def preview(self) -> str:
        parts = [self.header, self.text, self.footer, *(f"[{b}]" for b in self.buttons)]
        return "\n".join(part for part in parts if part)


def template_variable_numbers(text: str) -> list[str]:
    """The variable numbers used in `text`, in order of first appearance ('1', '2', ...)."""
    seen: list[str] = []
    for number in VARIABLE.findall(text or ""):
        if number not in seen:
            seen.append(number)
    return seen


def variable_sample(mapping: dict) -> str:
    """The sample Meta's reviewers see for one variable."""
    if "sample" in mapping:
        return str(mapping["sample"] or "")
    if "value" in mapping:
        return str(mapping["value"] or "")
    return FIELD_SAMPLES.get(mapping.get("field", ""), "")


def _mapped_value(mapping: dict | None, person: Person) -> str:
    if not mapping:
        return ""
    if "value" in mapping:
        return str(mapping["value"] or "")
    field = PERSON_FIELDS.get(mapping.get("field", ""))
    if field is None or person is None:
        return ""
    return str(field[1](person) or "")


def template_render(
    *, template, person: Person | None, variables: dict | None = None
) -> RenderedTemplate:
    """Values come from `variables` (given when sending) first, then the template's mapping.

    A variable left empty is refused: Twilio would send an empty placeholder or fail with 63028.
    """
    given = {str(key): str(value) for key, value in (variables or {}).items() if value is not None}
    header_text = _header_text(template)
    numbers = template_variable_numbers(header_text + "\n" + template.body)
    values: dict[str, str] = {}
    missing = []
    for number in numbers:
        value = given.get(number, "").strip() or _mapped_value(
            template.variables.get(number), person
        )
        value = value.strip()
        if not value:
            missing.append(number)
        values[number] = value
    if missing:
        names = ", ".join("{{" + n + "}}" for n in missing)
        raise DomainError(
            f"No value for {names}: fill it in, or map it to a field this person has.",
            code="missing_variable",
            field="variables",
        )

    def fill(text: str) -> str:
        return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)

    return RenderedTemplate(
        content_variables=values,
        text=fill(template.body),
        header=fill(header_text),
        footer=template.footer or "",
        buttons=tuple(
            str(b.get("text", "")) for b in template.buttons or [] if isinstance(b, dict)
        ),
    )


@dataclass(frozen=True)
class CompiledTemplate:
    """A template prepared once to be filled for many people (a bulk send): the variable numbers
    its header and body use (each needs a value, as in `template_render`), each one's mapping,
    and the body cut around its placeholders, so filling it is a join."""

    numbers: tuple[str, ...]
    mappings: dict[str, dict | None]
    body_parts: tuple[str, ...]  # text, number, text, number, …, text

    def body(self, values: dict[str, str]) -> str:
        parts = self.body_parts
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            out.append(values[parts[i]])
            out.append(parts[i + 1])
        return "".join(out)


def template_compile(*, template, variables: dict | None = None) -> CompiledTemplate:
    """`variables` (a mapping per number, like the template's own) override the template's."""
    mappings = {**(template.variables or {}), **(variables or {})}
    numbers = tuple(template_variable_numbers(_header_text(template) + "\n" + template.body))
    return CompiledTemplate(
        numbers=numbers,
        mappings={number: mappings.get(number) for number in numbers},
        body_parts=tuple(VARIABLE.split(template.body or "")),
    )


def _header_text(template) -> str:
    header = template.header
    if isinstance(header, dict) and header.get("type") == "text":
        return str(header.get("text") or "")
    return ""


def template_preview(*, template, person: Person | None = None) -> RenderedTemplate:
    """For the editor's preview only (never for sending): a person's values where they exist,
    the variable's sample where they don't."""
    samples = {}
    for number, mapping in (template.variables or {}).items():
        if isinstance(mapping, dict):
            value = _mapped_value(mapping, person).strip() if person is not None else ""
            samples[str(number)] = value or variable_sample(mapping) or "{{" + str(number) + "}}"
    header_text = _header_text(template)
    for number in template_variable_numbers(header_text + "\n" + template.body):
        samples.setdefault(number, "{{" + number + "}}")
    return template_render(template=template, person=person, variables=samples)
