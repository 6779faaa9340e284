"""Writes for WhatsApp, by sub-domain:

- `settings`: a company's WhatsApp settings (platform admin);
- `sending`: the request side of a send (rules, the queued message, its enqueue);
- `delivery`: the worker side (claim, provider call, failures and their effects);
- `webhook_store`: raw webhook storage through the group-commit writer;
- `events`: applying stored webhook events (statuses); `inbound`: inbound messages;
- `accounts`: the AccountSid → company and token cache of the webhooks;
- `recovery`: the send queue's safety nets run by beat (due and lost sends, expired claims
  reconciled through the provider);
- `queue`: enqueueing the Celery tasks by name.

The names below are the public surface; import them from here or from their module.
"""

from whatsapp.services.delivery import (
    DeliverOutcome,
    message_deliver,
    message_failure_record,
    message_not_sent_record,
)
from whatsapp.services.events import (
    EventNotReady,
    message_status_apply,
    webhook_event_apply,
    webhook_events_drain,
)
from whatsapp.services.inbound import inbound_record
from whatsapp.services.recovery import message_reconcile, sends_sweep, sent_message_find
from whatsapp.services.sending import message_enqueue, message_send, person_whatsapp_opt_out
from whatsapp.services.settings import credentials_for, whatsapp_settings_update
from whatsapp.services.webhook_store import (
    webhook_event_id,
    webhook_event_row,
    webhook_event_store,
    webhook_events_store_many,
)

__all__ = [
    "DeliverOutcome",
    "EventNotReady",
    "credentials_for",
    "inbound_record",
    "message_deliver",
    "message_enqueue",
    "message_failure_record",
    "message_not_sent_record",
    "message_reconcile",
    "message_send",
    "message_status_apply",
    "person_whatsapp_opt_out",
    "sends_sweep",
    "sent_message_find",
    "webhook_event_apply",
    "webhook_event_id",
    "webhook_event_row",
    "webhook_event_store",
    "webhook_events_drain",
    "webhook_events_store_many",
    "whatsapp_settings_update",
]
