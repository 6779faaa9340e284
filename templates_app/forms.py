"""Parse the template editor's HTML form into the service's data dict (and back). No rules here."""

from __future__ import annotations

import re

from templates_app.rendering import PERSON_FIELDS, template_variable_numbers

FIXED_VALUE = "__value__"
PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{5,}$")


def buttons_from_text(text: str) -> list[dict]:
    """One button a line: `Text` (quick reply), `Text | https://…` (link), `Text | +1…` (call)."""
    buttons = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        label, _, target = (part.strip() for part in line.partition("|"))
        if not target:
            buttons.append({"type": "quick_reply", "text": label})
        elif PHONE_LIKE.match(target):
            buttons.append({"type": "phone", "text": label, "phone": re.sub(r"[^\d+]", "", target)})
        else:
            buttons.append({"type": "url", "text": label, "url": target})
    return buttons


def buttons_to_text(buttons: list[dict]) -> str:
    lines = []
    for button in buttons or []:
        target = button.get("url") or button.get("phone") or ""
        lines.append(f"{button.get('text', '')} | {target}" if target else button.get("text", ""))
    return "\n".join(lines)


def header_from_form(post) -> dict | None:
    kind = post.get("header_type", "")
    if kind == "text":
        return {"type": "text", "text": post.get("header_text", "")}
    if kind in ("image", "video", "document"):
        return {"type": kind, "url": post.get("header_url", "").strip()}
    return None


def form_variable_numbers(post) -> list[str]:
    header = header_from_form(post)
    header_text = header.get("text", "") if header and header["type"] == "text" else ""
    numbers = template_variable_numbers(header_text + "\n" + post.get("body", ""))
    return sorted(numbers, key=int)


def variables_from_form(post) -> dict:
    variables = {}
    for number in form_variable_numbers(post):
        source = post.get(f"var_{number}_source", "")
        sample = post.get(f"var_{number}_sample", "").strip()
        if source == FIXED_VALUE:
            mapping = {"value": post.get(f"var_{number}_value", "")}
        elif source in PERSON_FIELDS:
            mapping = {"field": source}
        else:
            continue  # unmapped: the rules say so
        if sample:
            mapping["sample"] = sample
        variables[number] = mapping
    return variables


def template_data_from_form(post) -> dict:
    return {
        "name": post.get("name", ""),
        "category": post.get("category", ""),
        "language": post.get("language", "").strip(),
        "header": header_from_form(post),
        "body": post.get("body", ""),
        "footer": post.get("footer", ""),
        "buttons": buttons_from_text(post.get("buttons", "")),
        "variables": variables_from_form(post),
        "content_sid": post.get("content_sid", "").strip(),
        "twilio_approved": post.get("twilio_approved") == "on",
        "is_recontact": post.get("is_recontact") == "on",
    }


def variable_rows(numbers: list[str], variables: dict) -> list[dict]:
    """What the editor shows for each variable: its source, fixed value and sample."""
    rows = []
    for number in numbers:
        mapping = variables.get(number) if isinstance(variables.get(number), dict) else {}
        source = FIXED_VALUE if "value" in mapping else mapping.get("field", "")
        rows.append(
            {
                "number": number,
                "source": source,
                "value": mapping.get("value", ""),
                "sample": mapping.get("sample", ""),
            }
        )
    return rows


def person_field_choices() -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _getter) in PERSON_FIELDS.items()]
