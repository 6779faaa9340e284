"""Other apps follow WhatsApp messages through these hooks (bulk campaigns count them), called
inside the transaction that made the change:

- `MESSAGE_STATUS_HANDLERS`: handler(message_ids=[...], status="delivered", error_code="") once
  outbound messages moved forward (or failed);
- `INBOUND_HANDLERS`: handler(message=<inbound Message>, stop=bool) once one is recorded.
"""

from __future__ import annotations

MESSAGE_STATUS_HANDLERS: list = []
INBOUND_HANDLERS: list = []


def status_moved(message_ids: list[int], status: str, error_code: str = "") -> None:
    for handler in MESSAGE_STATUS_HANDLERS:
        handler(message_ids=message_ids, status=status, error_code=error_code)


def inbound_recorded(message, *, stop: bool) -> None:
    for handler in INBOUND_HANDLERS:
        handler(message=message, stop=stop)
