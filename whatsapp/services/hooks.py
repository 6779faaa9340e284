"""Other apps follow WhatsApp messages through these hooks (bulk campaigns count them), called
inside the transaction that made the change:

- `MESSAGE_STATUS_HANDLERS`: handler(message_ids=[...], status="delivered", error_code="") once
  outbound messages moved forward (or failed);
- `INBOUND_HANDLERS`: handler(message=<inbound Message>, stop=bool) once one is recorded;
- `MESSAGE_RETRY_HANDLERS`: handler(message_id=, retry_id=, error_code=) once a failed message
  was queued again automatically (63010: "We'll try sending the message again in 1 minute"), so
  what followed the failed message can follow its retry.

- `SEND_CHECK_HANDLERS`: handler(message_id=) -> rules.Refusal | float | None, asked when an
  automatic retry (a message with `retry_of`) is about to go: a Refusal settles it `not_sent` with
  the refusal's code, a float parks it that many seconds, None lets it go (the first non-None
  answer wins). Messages that are not retries never ask: a 1:1 send pays nothing for it.

A message refused at send time moves to `not_sent` through `MESSAGE_STATUS_HANDLERS` with the
refusal's code as `error_code`.
"""

from __future__ import annotations

MESSAGE_STATUS_HANDLERS: list = []
INBOUND_HANDLERS: list = []
MESSAGE_RETRY_HANDLERS: list = []
SEND_CHECK_HANDLERS: list = []


def status_moved(message_ids: list[int], status: str, error_code: str = "") -> None:
    for handler in MESSAGE_STATUS_HANDLERS:
        handler(message_ids=message_ids, status=status, error_code=error_code)


def inbound_recorded(message, *, stop: bool) -> None:
    for handler in INBOUND_HANDLERS:
        handler(message=message, stop=stop)


def retry_queued(message_id: int, retry_id: int, error_code: str) -> None:
    for handler in MESSAGE_RETRY_HANDLERS:
        handler(message_id=message_id, retry_id=retry_id, error_code=error_code)


def send_check(message_id: int):
    """What the handlers say of an automatic retry about to go (see SEND_CHECK_HANDLERS)."""
    for handler in SEND_CHECK_HANDLERS:
        verdict = handler(message_id=message_id)
        if verdict is not None:
            return verdict
    return None
