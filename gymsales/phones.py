"""Phone numbers: any common format in, E.164 out, parsed against the company's default country."""

from __future__ import annotations

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def to_e164(raw: str, *, default_country: str) -> str:
    """Return `raw` as E.164 ('+15551234567'); '' stays ''; raise InvalidPhoneNumber otherwise."""
    text = (raw or "").strip()
    if not text:
        return ""
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    try:
        parsed = phonenumbers.parse(text, (default_country or "US").upper())
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("Is not a phone number.") from None
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("Is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_valid_country(code: str) -> bool:
    return (code or "").upper() in phonenumbers.SUPPORTED_REGIONS
