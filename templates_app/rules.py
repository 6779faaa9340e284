"""Meta's rules for a WhatsApp template, as validation. Limits come from `meta_limits`.

`template_errors(data)` checks a whole candidate template (the merged result of an edit) and returns
`{"field": ["message", ...]}`; empty means valid. The API and the pages share it.

Shapes checked here:
- header: null, {"type": "text", "text": "..."} or {"type": "image"|"video"|"document", "url": "https://..."}
- buttons: [{"type": "quick_reply", "text"}, {"type": "url", "text", "url"}, {"type": "phone", "text", "phone"}]
- variables: {"1": {"field": <PERSON_FIELDS key>, "sample"?: "..."} | {"value": "...", "sample"?: "..."}}
  A variable's sample is its "sample", else its fixed value, else the person field's stock sample.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from templates_app import meta_limits as limits
from templates_app.models import TemplateCategory
from templates_app.rendering import (
    PERSON_FIELDS,
    VARIABLE,
    template_variable_numbers,
    variable_sample,
)

WORD = re.compile(r"[^\W_]+", re.UNICODE)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
LANGUAGE = re.compile(limits.LANGUAGE_CODE_PATTERN)

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _braces(number: str) -> str:
    return "{{" + number + "}}"


def template_errors(data: dict) -> Errors:
    """Every broken rule of the candidate template `data`, by field."""
    errors: Errors = {}
    _check_name(errors, data.get("name"))
    _check_category(errors, data.get("category"))
    _check_language(errors, data.get("language"))
    body = data.get("body") or ""
    _check_body(errors, body)
    header_numbers = _check_header(errors, data.get("header"))
    _check_footer(errors, data.get("footer") or "")
    _check_buttons(errors, data.get("buttons"))
    _check_variables(errors, body, header_numbers, data.get("variables"))
    _check_content_sid(errors, data.get("content_sid") or "", bool(data.get("twilio_approved")))
    return errors


def _check_content_sid(errors: Errors, content_sid: str, ticked: bool) -> None:
    """The manual path: a template made outside the app is its Twilio Content SID plus the tick.
    Without the SID there is nothing to send as a template, so the tick alone is refused."""
    if content_sid and not CONTENT_SID.match(content_sid):
        _add(errors, "content_sid", "A Content SID is HX followed by 32 hexadecimal characters.")
    elif ticked and not content_sid:
        _add(
            errors,
            "content_sid",
            "A template ticked as Twilio approved needs its Content SID (HX…) from Twilio.",
        )


def _check_name(errors: Errors, name) -> None:
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name:
        _add(errors, "name", "Give the template a name.")
    elif len(name) > limits.NAME_MAX_CHARS:
        _add(errors, "name", f"The name is at most {limits.NAME_MAX_CHARS} characters.")
    elif not WORD.search(name):
        _add(errors, "name", "The name needs at least one letter or digit.")


def _check_category(errors: Errors, category) -> None:
    if category not in TemplateCategory.values:
        allowed = ", ".join(TemplateCategory.values)
        _add(errors, "category", f"The category is one of: {allowed}.")


def _check_language(errors: Errors, language) -> None:
    if not isinstance(language, str) or not LANGUAGE.match(language):
        _add(errors, "language", "Use Meta's language code, e.g. en, en_US or pt_BR.")


def _check_body(errors: Errors, body: str) -> None:
    if not body.strip():
        _add(errors, "body", "Write the message body.")
        return
    if len(body) > limits.BODY_MAX_CHARS:
        _add(
            errors,
            "body",
            f"The body is at most {limits.BODY_MAX_CHARS} characters (it has {len(body)}).",
        )
    stripped = body.strip()
    occurrences = VARIABLE.findall(body)
    if occurrences and VARIABLE.match(stripped):
        _add(errors, "body", "The body may not start with a variable.")
    if occurrences and re.search(r"\{\{\s*\d+\s*\}\}$", stripped):
        _add(errors, "body", "The body may not end with a variable.")
    fixed_words = len(WORD.findall(VARIABLE.sub(" ", body)))
    needed = limits.MIN_WORDS_PER_VARIABLE * len(occurrences) + 1
    if occurrences and fixed_words < needed:
        _add(
            errors,
            "body",
            f"The body is mostly variables: {len(occurrences)} variable(s) need at least "
            f"{needed} words of fixed text (it has {fixed_words}).",
        )
    numbers = template_variable_numbers(body)
    if numbers != sorted(numbers, key=int):
        _add(errors, "body", "Number the variables in order: {{1}} first, then {{2}}, …")


def _check_header(errors: Errors, header) -> list[str]:
    """Returns the variable numbers the header uses."""
    if header in (None, {}):
        return []
    if not isinstance(header, dict) or header.get("type") not in limits.HEADER_TYPES:
        _add(errors, "header", f"The header type is one of: {', '.join(limits.HEADER_TYPES)}.")
        return []
    if header["type"] in limits.HEADER_MEDIA_TYPES:
        if not _is_https_url(header.get("url")):
            _add(errors, "header", f"A {header['type']} header needs its https:// URL.")
        return []
    text = header.get("text")
    if not isinstance(text, str) or not text.strip():
        _add(errors, "header", "Write the header text, or remove the header.")
        return []
    if len(text) > limits.HEADER_TEXT_MAX_CHARS:
        _add(errors, "header", f"The header is at most {limits.HEADER_TEXT_MAX_CHARS} characters.")
    if len(VARIABLE.findall(text)) > limits.HEADER_TEXT_MAX_VARIABLES:
        _add(errors, "header", "The header may have at most one variable.")
    return template_variable_numbers(text)


def _check_footer(errors: Errors, footer: str) -> None:
    if not isinstance(footer, str):
        _add(errors, "footer", "The footer is text.")
        return
    if len(footer) > limits.FOOTER_MAX_CHARS:
        _add(errors, "footer", f"The footer is at most {limits.FOOTER_MAX_CHARS} characters.")
    if VARIABLE.search(footer):
        _add(errors, "footer", "The footer may not have variables.")


def _check_buttons(errors: Errors, buttons) -> None:
    if buttons in (None, []):
        return
    if not isinstance(buttons, list) or not all(isinstance(b, dict) for b in buttons):
        _add(errors, "buttons", "Buttons are a list of objects.")
        return
    if len(buttons) > limits.BUTTONS_MAX:
        _add(errors, "buttons", f"At most {limits.BUTTONS_MAX} buttons.")
    kinds = [button.get("type") for button in buttons]
    if kinds.count("url") > limits.URL_BUTTONS_MAX:
        _add(errors, "buttons", f"At most {limits.URL_BUTTONS_MAX} URL buttons.")
    if kinds.count("phone") > limits.PHONE_BUTTONS_MAX:
        _add(errors, "buttons", f"At most {limits.PHONE_BUTTONS_MAX} phone button.")
    if "quick_reply" in kinds and ({"url", "phone"} & set(kinds)):
        _add(errors, "buttons", "Use quick replies or call-to-action buttons, not both.")
    for index, button in enumerate(buttons, start=1):
        _check_button(errors, index, button)


def _check_button(errors: Errors, index: int, button: dict) -> None:
    kind, text = button.get("type"), button.get("text")
    if kind not in ("quick_reply", "url", "phone"):
        _add(errors, "buttons", f"Button {index}: the type is quick_reply, url or phone.")
        return
    if not isinstance(text, str) or not text.strip():
        _add(errors, "buttons", f"Button {index}: write its text.")
    elif len(text) > limits.BUTTON_TEXT_MAX_CHARS:
        _add(
            errors,
            "buttons",
            f"Button {index}: the text is at most {limits.BUTTON_TEXT_MAX_CHARS} characters.",
        )
    elif VARIABLE.search(text):
        _add(errors, "buttons", f"Button {index}: the text may not have variables.")
    if kind == "url" and not _is_https_url(button.get("url")):
        _add(errors, "buttons", f"Button {index}: give an https:// URL.")
    if kind == "phone" and not E164.match(str(button.get("phone") or "")):
        _add(errors, "buttons", f"Button {index}: give the phone number as +E.164.")


def _is_https_url(url) -> bool:
    if not isinstance(url, str) or len(url) > limits.BUTTON_URL_MAX_CHARS:
        return False
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(parsed.netloc) and " " not in url


def _check_variables(errors: Errors, body: str, header_numbers: list[str], variables) -> None:
    if variables in (None, {}):
        variables = {}
    if not isinstance(variables, dict):
        _add(errors, "variables", 'Variables map "1", "2", … to {"field": …} or {"value": …}.')
        return
    used = set(template_variable_numbers(body)) | set(header_numbers)
    expected = {str(n) for n in range(1, len(used) + 1)}
    if used != expected:
        missing = sorted(expected - used, key=int)
        _add(
            errors,
            "body",
            "Variables are numbered {{1}}, {{2}}, … with no gaps: "
            + (f"{_braces(missing[0])} is missing." if missing else "renumber them."),
        )
    for number in sorted(used, key=int):
        _check_mapping(errors, number, variables.get(number))
    for number in sorted(set(variables) - used, key=lambda n: (not n.isdigit(), n)):
        _add(errors, "variables", f"{_braces(number)} is not used in the header or body.")


def _check_mapping(errors: Errors, number: str, mapping) -> None:
    label = _braces(number)
    if not isinstance(mapping, dict) or ("field" in mapping) == ("value" in mapping):
        _add(errors, "variables", f"{label}: map it to a person field or a fixed value.")
        return
    if "field" in mapping and mapping["field"] not in PERSON_FIELDS:
        _add(errors, "variables", f"{label}: unknown person field {mapping['field']!r}.")
        return
    if "value" in mapping and not str(mapping["value"] or "").strip():
        _add(errors, "variables", f"{label}: the fixed value may not be empty.")
        return
    sample = variable_sample(mapping)
    if not sample.strip():
        _add(errors, "variables", f"{label}: give a sample value for Meta's review.")
    elif len(sample) > limits.SAMPLE_MAX_CHARS:
        _add(
            errors,
            "variables",
            f"{label}: the sample is at most {limits.SAMPLE_MAX_CHARS} characters.",
        )
