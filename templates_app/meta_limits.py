"""Meta's current limits for WhatsApp message templates — the ONE place to change when Meta does.

Sources: Meta's "Message templates" guidelines (WhatsApp Business Platform) and SPEC §7.
"""

from __future__ import annotations

BODY_MAX_CHARS = 1024
HEADER_TEXT_MAX_CHARS = 60
HEADER_TEXT_MAX_VARIABLES = 1
FOOTER_MAX_CHARS = 60
NAME_MAX_CHARS = 200
SAMPLE_MAX_CHARS = 200

BUTTONS_MAX = 10
BUTTON_TEXT_MAX_CHARS = 25
URL_BUTTONS_MAX = 2
PHONE_BUTTONS_MAX = 1
BUTTON_URL_MAX_CHARS = 2000

# "Not mostly variables": Meta rejects a body with "too many variables for its length". We require
# at least MIN_WORDS_PER_VARIABLE words of fixed text per variable occurrence, plus one
# (e.g. 2 variables need ≥ 5 fixed words). Words are runs of letters/digits outside {{n}}.
MIN_WORDS_PER_VARIABLE = 2

HEADER_MEDIA_TYPES = ("image", "video", "document")
HEADER_TYPES = ("text", *HEADER_MEDIA_TYPES)

# Meta's language codes look like "en", "en_US", "pt_BR", "zh_CN", "fil".
LANGUAGE_CODE_PATTERN = r"^[a-z]{2,3}(_[A-Z]{2})?$"

TEMPLATES_PER_COMPANY_MAX = 250
