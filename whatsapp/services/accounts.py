"""Which company a Twilio account (AccountSid) belongs to, and its auth token: the webhooks' key.

Cached per process in a bounded LRU (ACCOUNT_CACHE_SIZE entries, each at most ACCOUNT_CACHE_SECONDS
old) keyed by the account and a *generation* kept on the shared cache (Redis). Every save or delete
of WhatsApp settings — the API, the Django admin, a shell — gives the generation a new value
(`accounts_changed`, wired to the model's signals in `whatsapp.apps`), so every process drops its
cached tokens on its next lookup. The tokens themselves never leave the database and the process.
Only well-formed AccountSids (`AC` + 32 hex digits) are ever looked up, so a caller cannot make the
cache hold arbitrary strings; unknown but well-formed ones cost one indexed query.
If the shared cache is down, lookups go to the database every time (nothing stale is served).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django_redis import get_redis_connection

from whatsapp.models import WhatsAppSettings

logger = logging.getLogger(__name__)

ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
ACCOUNT_CACHE_SIZE = 1024
ACCOUNT_CACHE_SECONDS = 60
GENERATION_KEY = "whatsapp:accounts:generation"
_lookup_lock = threading.Lock()


@dataclass(frozen=True)
class Account:
    """A Twilio account as configured in a company's WhatsApp settings."""

    sid: str
    company_id: int
    auth_token: str = field(repr=False)  # a secret: never in a repr, a log or a traceback


def is_account_sid(value: str) -> bool:
    return bool(value) and ACCOUNT_SID.fullmatch(value) is not None


def account_for(account_sid: str) -> Account | None:
    """The account with this AccountSid (the first company configured with it and a token)."""
    if not is_account_sid(account_sid):
        return None
    generation = _generation()
    if generation is None:
        return _load(account_sid)
    period = int(time.monotonic() // ACCOUNT_CACHE_SECONDS)
    # One lookup at a time per process: when the period or generation turns, the server's
    # threads (dozens) wait for one query instead of each opening a connection for the same row.
    with _lookup_lock:
        return _cached(account_sid, generation, period)


def accounts_changed() -> None:
    """Some account's token or company changed: every process forgets what it cached."""
    _cached.cache_clear()
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as exc:  # the shared cache is down: lookups bypass it meanwhile
        logger.warning("could not invalidate the Twilio account cache: %s", type(exc).__name__)


@functools.lru_cache(maxsize=ACCOUNT_CACHE_SIZE)
def _cached(account_sid: str, generation: str, period: int) -> Account | None:
    return _load(account_sid)


def _load(account_sid: str) -> Account | None:
    # Across tenants on purpose: the AccountSid is how a webhook finds its company
    # (WhatsAppSettings is keyed by company, not tenant-scoped).
    row = (
        WhatsAppSettings.objects.filter(twilio_account_sid=account_sid)
        .exclude(twilio_auth_token="")
        .order_by("company_id")
        .values_list("company_id", "twilio_auth_token")
        .first()
    )
    return Account(sid=account_sid, company_id=row[0], auth_token=row[1]) if row else None


_thread = threading.local()


def _generation_read():
    """The generation's raw bytes over this thread's own Redis connection (a GET sent and read
    directly: ~15 us, where the cache API's GET cost ~80 us — half of a webhook's CPU). None when
    unset, or when Redis is not the cache or not reachable (the connection is then dropped)."""
    conn = getattr(_thread, "redis", None)
    try:
        if conn is None:
            conn = get_redis_connection("default").connection_pool.get_connection()
            _thread.redis, _thread.key = conn, cache.make_key(GENERATION_KEY)
        conn.send_command("GET", _thread.key)
        return conn.read_response()
    except Exception:
        if conn is not None:
            conn.disconnect()
        _thread.redis = None
        return None


def _generation():
    """The shared generation (an opaque value, only compared), read on every lookup so a token
    change reaches every process at once; set through the cache API."""
    raw = _generation_read()
    if raw is not None:
        return raw
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            generation = cache.get(GENERATION_KEY)
        return generation
    except Exception as exc:
        logger.warning("Twilio account cache unavailable: %s", type(exc).__name__)
        return None
