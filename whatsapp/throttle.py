"""Per-company send throttle on Redis: at most N sends per second window, shared by all workers."""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)
_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1.0)
    return _client


def send_slot_wait(*, company_id: int, per_second: int) -> float:
    """Take a send slot: 0.0 when this send may go now, else the seconds to wait before trying again.

    Fails open (0.0) if Redis is unreachable: Twilio's own 429 is then retried as transient.
    """
    if per_second <= 0:
        return 0.0
    now = time.time()
    window = int(now)
    key = f"wa:rate:{company_id}:{window}"
    try:
        pipe = _redis().pipeline()
        pipe.incr(key)
        pipe.expire(key, 2)
        count = pipe.execute()[0]
    except redis.RedisError:
        logger.warning("send throttle: Redis unavailable, sending without the throttle")
        return 0.0
    if count <= per_second:
        return 0.0
    # Spread the overflow over the next windows instead of stampeding the next one.
    over = count - per_second
    return (window + 1 - now) + (over // per_second) + 0.01
