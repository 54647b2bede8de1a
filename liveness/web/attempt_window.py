"""Counting attempts per client address in a fixed window, in the shared cache.

Used where anyone on the internet can make the portal do work or learn something: invalid
partner API keys (``api.services.key_failure_record``) and cases opened on the public start
page (``capture.services.self_service_case_open``). The window starts at the address's first
attempt and lasts ``window`` seconds; the cache is ``CACHE_URL`` (Redis when there is more than
one web process, so every process counts together). When that cache is unreachable the counts
go on in this process's memory (``liveness.web.shared_cache``): the limits hold per process
instead of failing every request.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from liveness.web.shared_cache import counters as cache


@dataclass(frozen=True)
class WindowCount:
    """``count`` attempts so far in the window, which ends in ``retry_after`` seconds (at least 1)."""

    count: int
    retry_after: int


def _keys(name: str) -> tuple[str, str]:
    return name, f"{name}:since"


def _retry_after(since_key: str, window: int) -> int:
    since = cache.get(since_key) or time.time()
    return max(1, math.ceil(since + window - time.time()))


def attempt_count(*, name: str, window: int) -> WindowCount:
    """One more attempt under ``name`` (e.g. ``api:key-failures:<address>``); returns the count
    including it."""
    count_key, since_key = _keys(name)
    if cache.add(count_key, 0, timeout=window):
        cache.set(since_key, time.time(), timeout=window)
    try:
        count = cache.incr(count_key)
    except ValueError:  # the window ended between add and incr
        cache.set(count_key, 1, timeout=window)
        cache.set(since_key, time.time(), timeout=window)
        count = 1
    return WindowCount(count=count, retry_after=_retry_after(since_key, window))


def attempts_so_far(*, name: str, window: int) -> WindowCount:
    """The attempts under ``name`` in its current window, counting none."""
    count_key, since_key = _keys(name)
    return WindowCount(count=cache.get(count_key) or 0, retry_after=_retry_after(since_key, window))
