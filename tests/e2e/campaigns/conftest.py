"""Campaign browser tests use the campaign fixtures (the Twilio stand-in, WhatsApp on through the
`twilio` backend, a worker on the `campaigns` queue)."""

from tests.campaigns.conftest import campaign_worker, standin, template, whatsapp_on  # noqa: F401
