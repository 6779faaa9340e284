"""Other apps follow WhatsApp messages through these hooks (bulk campaigns count them), called
inside the transaction that made the change:

- `MESSAGE_STATUS_HANDLERS`: handler(message_ids=[...], status="delivered", error_code="") once
  outbound messages moved forward (or failed);
- `INBOUND_HANDLERS`: handler(message=<inbound Message>, stop=bool) once one is recorded;
- `MESSAGE_RETRY_HANDLERS`: handler(message_id=, retry_id=, error_code=) once a failed message
  was queued again automatically (63010: "We'll try sending the message again in 1 minute"), so
  what followed the failed message can follow its retry.

A message refused at send time moves to `not_sent` through `MESSAGE_STATUS_HANDLERS` with the
refusal's code as `error_code`.
"""

from __future__ import annotations

MESSAGE_STATUS_HANDLERS: list = []
INBOUND_HANDLERS: list = []
MESSAGE_RETRY_HANDLERS: list = []


def status_moved(message_ids: list[int], status: str, error_code: str = "") -> None:
    for handler in MESSAGE_STATUS_HANDLERS:
        handler(message_ids=message_ids, status=status, error_code=error_code)


def inbound_recorded(message, *, stop: bool) -> None:
    for handler in INBOUND_HANDLERS:
        handler(message=message, stop=stop)


def retry_queued(message_id: int, retry_id: int, error_code: str) -> None:
    for handler in MESSAGE_RETRY_HANDLERS:
        handler(message_id=message_id, retry_id=retry_id, error_code=error_code)
