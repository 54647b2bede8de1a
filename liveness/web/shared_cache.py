"""The shared cache (``CACHE_URL``) for counters that guard the public doors, with a fallback.

The invalid-API-key block, the per-key API throttle and the start page's per-address case limit
count in the shared cache (Redis in production, often the broker's). When that cache cannot be
reached, those counters must not turn every request into a 500: the request is served, and the
count goes on in this process's own memory instead (``FALLBACK``), so each limit still holds per
web process (a limit of 20 becomes at most 20 per process) until the cache is back. This is the
same "serve, degrade, log" rule the capture pages follow for the broker (a submission accepted
while the broker is down is committed and answered; its check waits for the sweep) and the vendor
rate limiter follows for its Redis (it fails open).

After a failure the shared cache is not tried again for ``RETRY_AFTER_S`` seconds, so an outage
costs one connection error per process per interval, not one per request; a warning is logged at
most once per interval.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from django.core.cache import cache as shared
from django.core.cache.backends.locmem import LocMemCache

logger = logging.getLogger(__name__)

#: What an unreachable cache raises (Django's RedisCache: redis-py's errors; sockets: OSError).
CACHE_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
#: Seconds during which the shared cache is not tried again after it failed.
RETRY_AFTER_S = 5.0
#: Where counts go while the shared cache is unreachable: this process's memory.
FALLBACK = LocMemCache("kyc-shared-cache-fallback", {"MAX_ENTRIES": 100_000})

_state_lock = threading.Lock()
_down_until = 0.0


def _shared_usable() -> bool:
    return time.monotonic() >= _down_until


def _mark_down(exc: BaseException) -> None:
    global _down_until
    with _state_lock:
        first = _down_until <= time.monotonic()
        _down_until = time.monotonic() + RETRY_AFTER_S
    if first:
        logger.warning("shared cache unavailable (%s: %s); counting in this process's memory for %.0f s",
                       type(exc).__name__, exc, RETRY_AFTER_S)


def reset() -> None:
    """Try the shared cache again at the next call and forget the fallback's counts (tests)."""
    global _down_until
    with _state_lock:
        _down_until = 0.0
    FALLBACK.clear()


def _call(name: str, *args: Any, **kwargs: Any) -> Any:
    if _shared_usable():
        try:
            return getattr(shared, name)(*args, **kwargs)
        except CACHE_ERRORS as exc:
            _mark_down(exc)
    return getattr(FALLBACK, name)(*args, **kwargs)


class ResilientCache:
    """The few cache operations the counters use (``get``, ``set``, ``add``, ``incr``), on the
    shared cache when it answers and on :data:`FALLBACK` when it does not. Never raises a
    connection error; ``incr`` raises ``ValueError`` for a missing key, as Django's caches do."""

    def get(self, key: str, default: Any = None) -> Any:
        return _call("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        _call("set", key, value, timeout)

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        return bool(_call("add", key, value, timeout))

    def incr(self, key: str, delta: int = 1) -> int:
        return int(_call("incr", key, delta))


counters = ResilientCache()
