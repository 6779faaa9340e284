"""Redis-side pacing for campaign dispatch, shared by every worker on every machine:

- a token bucket per company (its messages per second): workers take tokens in batches, so the
  company's rate holds across all of them;
- a status version per campaign: an action bumps it, dispatchers notice within one poll.
"""

from __future__ import annotations

import contextlib
import logging

import redis
from django.conf import settings

logger = logging.getLogger(__name__)
_client: redis.Redis | None = None

# KEYS[1] bucket; ARGV: rate per second, burst, tokens wanted. Uses Redis's own clock, so workers
# on machines with skewed clocks share one bucket correctly. Returns {granted, wait in ms}.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 60)
local wait = 0
if granted < want then wait = math.ceil((math.min(want, burst) - tokens) / rate * 1000) end
return {granted, wait}
"""
_take_script = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2.0)
    return _client


def burst_for(rate: int) -> int:
    """A fifth of a second's worth (at least one): smooth, yet batches stay large."""
    return max(1, rate // 5)


def take_tokens(*, company_id: int, rate: int, want: int) -> tuple[int, float]:
    """Take up to `want` send tokens of the company: (granted, seconds to wait before more)."""
    global _take_script
    if rate <= 0 or want <= 0:
        return want, 0.0
    if _take_script is None:
        _take_script = _redis().register_script(_TAKE)
    try:
        granted, wait_ms = _take_script(
            keys=[f"wa:campaign-bucket:{company_id}"], args=[rate, burst_for(rate), want]
        )
    except redis.RedisError:
        logger.warning("campaign pacing: Redis unavailable, waiting")
        return 0, 1.0
    return int(granted), int(wait_ms) / 1000


def heartbeat(campaign_id: int, ttl: int = 30) -> None:
    """A dispatcher is working on the campaign (the beat tick kicks campaigns without one)."""
    with contextlib.suppress(redis.RedisError):
        _redis().set(f"wa:campaign-alive:{campaign_id}", 1, ex=ttl)


def is_alive(campaign_id: int) -> bool:
    try:
        return bool(_redis().exists(f"wa:campaign-alive:{campaign_id}"))
    except redis.RedisError:
        return False
