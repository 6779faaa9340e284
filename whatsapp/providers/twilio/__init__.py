"""The Twilio adapter: everything that knows Twilio.

- `backend`: `TwilioBackend` (WHATSAPP_BACKEND = "twilio"): Messages create, the Messages list
  used for reconciliation, the Content API (templates) and inbound media;
- `client`: the official client, optionally redirected to a local twin (TWILIO_API_BASE);
- `content`: the Content API (templates as Content resources, approval requests, Meta's verdict);
- `media`: inbound media fetched with the company's credentials;
- `async_client`: Messages create without blocking (aiohttp) for bulk sends (campaigns);
- `errors`: the one classifier of Twilio's errors into our ProviderError;
- `webhooks`: the X-Twilio-Signature check and the translation of Twilio's webhook parameters
  into our `StatusEvent` / `InboundEvent` (whatsapp.providers.events), and back.

Nothing outside this package reads a Twilio parameter name (tests/whatsapp/test_twilio_names.py).
"""

from whatsapp.providers.twilio.backend import TwilioBackend, clients_reset
from whatsapp.providers.twilio.errors import (
    TRANSIENT_ERROR_CODES,
    classify_rest_error,
    never_reached_twilio,
    provider_error,
)

__all__ = [
    "TRANSIENT_ERROR_CODES",
    "TwilioBackend",
    "classify_rest_error",
    "clients_reset",
    "never_reached_twilio",
    "provider_error",
]
