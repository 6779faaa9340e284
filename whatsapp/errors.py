"""Twilio/WhatsApp error codes → history note texts (seed 000, "WhatsApp Errors") and handling."""

from __future__ import annotations

# The 20 codes of the seed's table, with their note text EXACTLY as users know it (the seed's
# "[email protected]" has a non-breaking space, kept as is).
NOTE_TEXTS: dict[str, str] = {
    "63001": "WhatsApp message to {first_name} {last_name} failed: You have tried to send a message to a To address that is inactive or invalid.",
    "63003": 'WhatsApp message to {first_name} {last_name} failed: Channel could not find the "To" address.',
    "63005": "WhatsApp message to {first_name} {last_name} failed: Channel did not accept given content due to invalid user. Please contact [email\xa0protected] for further assistance.",
    "63010": "WhatsApp message to {first_name} {last_name} failed: Platform encountered an internal error processing this message. We'll try sending the message again in 1 minute.",
    "63012": "WhatsApp message to {first_name} {last_name} failed: Channel provider returned an internal service error (HTTP 5xx).",
    "63013": "WhatsApp message to {first_name} {last_name} failed: Media messages are not supported with template (structured) messages. Please check your message and try sending a template message without the media.",
    "63016": "WhatsApp message to {first_name} {last_name} failed: Failed to send freeform message because you are outside the allowed window. Please use a Message Template to begin a new WhatsApp message session.",
    "63018": "WhatsApp message to {first_name} {last_name} failed: Your WhatsApp number has exceeded the rate limit imposed by WhatsApp. Please try again in 24 hours.",
    "63019": "WhatsApp message to {first_name} {last_name} failed: Media failed to download. Please try again.",
    "63020": "WhatsApp message to {first_name} {last_name} failed: There is an issue with the configuration of your company's WhatsApp messaging service. We have temporarily disabled WhatsApp for your account. Please contact [email\xa0protected] for further assistance.",
    "63021": "WhatsApp message to {first_name} {last_name} failed: Message has invalid content. Please verify the content and re send the message",
    "63022": "WhatsApp message to {first_name} {last_name} failed: There is an issue with the configuration of your company's WhatsApp messaging service. Please contact [email\xa0protected] for further assistance.",
    "63024": "WhatsApp message to {first_name} {last_name} failed: Invalid message recipient; message recipient could not be verified",
    "63025": "WhatsApp message to {first_name} {last_name} failed: The media content already exists. Conflict in uploading the media. Please try again.",
    "63027": "WhatsApp message to {first_name} {last_name} failed: There is an issue with the configuration of your company's WhatsApp messaging Templates. Please contact [email\xa0protected] for further assistance.",
    "63028": "WhatsApp message to {first_name} {last_name} failed due to unexpected parameters in the message body. Please check your message's merge fields and try sending a template message with the expected merge fields.",
    "63029": "Please check your destination number/handset and retry the number.",
    "63030": "WhatsApp message to {first_name} {last_name} failed: Media messages are not supported with template (structured) messages. Please check your message and try sending a template message without the media.",
    "63032": "WhatsApp message to {first_name} {last_name} failed: We cannot send this message to this user because of a WhatsApp limitation.",
    "63033": "WhatsApp message to {first_name} {last_name} failed: Recipient has blocked your number.",
}

RETRY_ONCE_AFTER_SECONDS = {"63010": 60}  # "We'll try sending the message again in 1 minute."
HOLD_COMPANY_SENDS = "63018"  # rate limit: hold (not drop) the company's sends for 24 h
SUSPEND_COMPANY = "63020"  # Business Manager account error: WhatsApp off until re-enabled
SESSION_CLOSED = "63016"  # Twilio says the window is closed: our session is inactive
LIMITED_BY_META = "63049"  # Meta's per-user marketing limit: not retried within 24 h


def error_note_text(*, code: str, first_name: str, last_name: str, twilio_message: str = "") -> str:
    """The history note for a failed message: the seed's text, or Twilio's message and code."""
    code = str(code or "").strip()
    template = NOTE_TEXTS.get(code)
    if template is not None:
        return template.format(first_name=first_name, last_name=last_name)
    name = f"{first_name} {last_name}".strip()
    reason = (twilio_message or "").strip() or "Twilio reported an error"
    if code == LIMITED_BY_META:
        reason = f"{reason} (limited by Meta; not retried within 24 hours)"
    suffix = f" (error {code})" if code else ""
    return f"WhatsApp message to {name} failed: {reason}{suffix}".rstrip(".") + "."
