"""A per-provider rate limiter shared by every worker on every machine: one Redis, one Lua script.

Why: a burst of checks sent straight at a vendor is answered with its rate-limit code (YouTu
15, Tencent Cloud ``RequestLimitExceeded``, HTTP 429), which costs a retry and a delay. The
limiter spaces vendor calls to the provider's rate (``settings.KYC_RATE_LIMITS``) instead, so
the vendor sees a smooth stream at its documented quota.

Algorithm: GCRA as a "next free slot" scheduler. Redis keeps, per provider, the time of the
next free slot. A caller reserves ``max(next_slot, now)`` and moves ``next_slot`` on by one
interval (1/Q s), so calls are spaced 1/Q apart: no burst beyond one call, never more than Q
slots in any half-open 1-s window. A slot further away than ``max_wait`` is not taken: the
caller is refused with the wait and a ``retry_in`` (see below), and must come back later.

Adaptive pace: a vendor's own rate-limit answer holds every call for :data:`PENALTY_S` and then
lets them go at :data:`SLOWDOWN` x the rate, recovering linearly (:data:`RECOVERY_PER_S`), so a
vendor that keeps refusing is called more slowly until it stops (additive increase,
multiplicative decrease, as TCP does). Without refusals the rate is the configured one.

Two stages: :meth:`RateLimiter.reserve` is admission (a check runs now, sleeping at most the
max wait, or goes back to the queue), taken before the check is claimed so that a waiting
check holds nothing. :meth:`RateLimiter.space` is departure: once the request is built, just
before it is sent, it waits for one interval after the previous departure. Admission alone
spaced the slots, not the requests: a stall between slot and send (claim, media read, a busy
core) sent the checks that queued behind it to the vendor together, and the vendor answered
"too many" (docs/performance.md, Quota use).

Contracts:

* Clock: every decision uses Redis ``TIME`` inside the script, so all workers on all machines
  share one clock; callers only ever get relative durations (sleep ``wait`` seconds), so a
  worker's own wall-clock offset does not matter. If the stored slot is impossibly far ahead
  (the Redis clock went back, e.g. a failover to a replica whose clock is behind), the script
  starts afresh from "now" instead of refusing everyone until the clock catches up.
* Refused callers are spread out: a second key, the deferral horizon, hands each refused caller
  a ``retry_in`` one interval after the previous one, so a backlog of N comes back at about the
  rate it can be served instead of all at once (no thundering herd, ~one retry per caller).
  The horizon is a hint, not a reservation: a caller that never comes back wastes nothing. It
  runs at most :data:`MAX_RETRY_IN` ahead; callers beyond that come back then and queue again.
* Threads: a client (with its connection pool) is shared by every thread of a process;
  redis-py clients are thread-safe and the script is atomic, so threads and processes are
  treated alike.
* Redis unavailable: the limiter fails OPEN (grants immediately) and logs a warning at most
  once a minute per process. A limiter outage then degrades to the behaviour without a limiter:
  the vendor may answer with its rate-limit code, which is a transient error retried on the
  fixed schedule. A check is never lost or parked because of the limiter.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from liveness.vendors.base import Departure
from liveness.ops import metrics

logger = logging.getLogger(__name__)

KEY_PREFIX = "kyc:ratelimit:"
#: A refused caller is never told to come back later than this (seconds): Celery holds a
#: countdown message unacknowledged, and Redis redelivers it after the visibility timeout.
MAX_RETRY_IN = 120.0
#: How long a vendor's own rate-limit answer pushes the provider's next slot away (seconds):
#: someone else (another deployment, a script) is spending the same account's quota.
PENALTY_S = 1.0
#: ...and the pace it leaves (AIMD): calls go at SLOWDOWN x the rate after such an answer (at most
#: one cut per PENALTY_S, however many answers arrive together; never under MIN_PACE x the rate),
#: and the pace climbs back by RECOVERY_PER_S of the rate each second. A vendor that refuses
#: again and again, because its requests reach it bunched (busy machines) or because others
#: spend the same quota, is thus called more slowly until it stops refusing; one that never
#: refuses is called at the full rate.
SLOWDOWN = 0.8
MIN_PACE = 0.5
RECOVERY_PER_S = 0.05

_US = 1_000_000

# The pace (KEYS[3], a hash: f = the fraction of the rate after the last cut, at = when, µs) as
# it stands at ``now``: recovered linearly by ARGV[5] per µs, at most 1. No hash: 1.
_PACE_NOW = """
local function pace_now(key, now, recovery)
  local pace = redis.call('HMGET', key, 'f', 'at')
  if not pace[1] then
    return 1
  end
  return math.min(1, tonumber(pace[1]) + recovery * math.max(0, now - tonumber(pace[2])))
end
"""

# KEYS[1] next free slot (µs, Redis clock); KEYS[2] deferral horizon (µs); KEYS[3] the pace.
# ARGV[1] interval at the full rate, ARGV[2] max wait, ARGV[3] the furthest a stored slot can
# legitimately be ahead (beyond it the clock went back), ARGV[4] the furthest the horizon may run
# ahead (all µs), ARGV[5] the pace's recovery per µs.
# Returns {granted (1/0), wait until the slot, retry_in (refused only), slot} in µs.
# Numbers are written with %.0f: Lua would print a 16-digit µs timestamp as 1.7e+15.
_RESERVE = _PACE_NOW + """
local max_wait = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1]) / pace_now(KEYS[3], now, tonumber(ARGV[5]))
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now or slot > now + tonumber(ARGV[3]) then
  slot = now
end
local wait = slot - now
if wait > max_wait then
  local ahead = tonumber(ARGV[4])
  local horizon = tonumber(redis.call('GET', KEYS[2]) or '0')
  if horizon < slot or horizon > now + ahead then
    horizon = slot
  end
  if horizon + interval - now <= ahead then
    horizon = horizon + interval
    redis.call('SET', KEYS[2], string.format('%.0f', horizon), 'PX', math.floor((horizon - now) / 1000) + 1000)
    ahead = horizon - now
  end
  return {0, string.format('%.0f', wait), string.format('%.0f', ahead), string.format('%.0f', slot)}
end
local after = slot + interval
redis.call('SET', KEYS[1], string.format('%.0f', after), 'PX', math.floor((after - now) / 1000) + 1000)
return {1, string.format('%.0f', wait), '0', string.format('%.0f', slot)}
"""

# KEYS[1] the next free slot, KEYS[2] the next departure: both become at least now + ARGV[1]
# (the penalty, µs). KEYS[3] the pace: cut to ARGV[2] x its current value, not under ARGV[3],
# unless it was cut less than a penalty ago (the answers of requests that were already on their
# way count once); ARGV[4] its recovery per µs. The hash expires once fully recovered.
# Returns the pace now, in millionths.
_PENALISE = _PACE_NOW + """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local target = now + tonumber(ARGV[1])
for i = 1, 2 do
  local slot = tonumber(redis.call('GET', KEYS[i]) or '0')
  if slot < target then
    redis.call('SET', KEYS[i], string.format('%.0f', target), 'PX', math.floor((target - now) / 1000) + 1000)
  end
end
local recovery = tonumber(ARGV[4])
local pace = pace_now(KEYS[3], now, recovery)
local cut_at = tonumber(redis.call('HGET', KEYS[3], 'at') or '0')
if now - cut_at >= tonumber(ARGV[1]) then
  pace = math.max(tonumber(ARGV[3]), pace * tonumber(ARGV[2]))
  redis.call('HSET', KEYS[3], 'f', string.format('%.6f', pace), 'at', string.format('%.0f', now))
  redis.call('PEXPIRE', KEYS[3], math.floor((1 - pace) / recovery / 1000) + 1000)
end
return math.floor(pace * 1000000)
"""


@dataclass(frozen=True)
class Reservation:
    """``granted``: call after sleeping ``wait`` s. Refused: the next slot is ``wait`` s away
    (more than the max wait) and nothing was reserved; come back in ``retry_in`` s.
    ``slot`` is the slot's time on the Redis clock (s), None when the limiter failed open."""

    granted: bool
    wait: float
    retry_in: float = 0.0
    slot: float | None = None


class RateLimiter:
    def __init__(self, client: redis.Redis, *, prefix: str = KEY_PREFIX, slowdown: float = SLOWDOWN,
                 min_pace: float = MIN_PACE, recovery_per_s: float = RECOVERY_PER_S) -> None:
        if not (0 < min_pace <= slowdown <= 1 and recovery_per_s > 0):
            raise ValueError("expected 0 < min_pace <= slowdown <= 1 and recovery_per_s > 0")
        self.client = client
        self.prefix = prefix
        self.slowdown, self.min_pace = slowdown, min_pace
        self._recovery = f"{recovery_per_s / _US:.6e}"  # per µs, as the scripts count
        self._reserve = client.register_script(_RESERVE)
        self._penalise = client.register_script(_PENALISE)

    def _keys(self, name: str) -> list[str]:
        """Next free slot, deferral horizon, next departure, pace. One hash tag, so all of them
        live on the same Redis Cluster slot (a script that uses several needs that)."""
        tag = f"{self.prefix}{{{name}}}"
        return [tag, f"{tag}:horizon", f"{tag}:departure", f"{tag}:pace"]

    def reserve(self, name: str, *, per_second: float, max_wait: float) -> Reservation:
        """Take the next free call slot of ``name`` if it is at most ``max_wait`` s away."""
        interval = max(1, round(_US / per_second))
        try:
            slot_key, horizon_key, _, pace_key = self._keys(name)
            granted, wait, retry_in, slot = self._reserve(keys=[slot_key, horizon_key, pace_key], args=[
                interval, round(max_wait * _US),
                round((max_wait + PENALTY_S + 1) * _US) + round(2 * interval / self.min_pace),
                round((MAX_RETRY_IN + max_wait / 2) * _US), self._recovery])
        except redis.RedisError as exc:
            _warn_open(name, exc)
            return Reservation(granted=True, wait=0.0)
        wait_s = int(wait) / _US
        if int(granted):
            return Reservation(granted=True, wait=wait_s, slot=int(slot) / _US)
        # Come back a little before the spread-out slot estimate (half the max wait), so the
        # slot is taken on time even if the message is picked up late.
        retry_in = min(MAX_RETRY_IN, max(int(retry_in) / _US - max_wait / 2, interval / _US))
        return Reservation(granted=False, wait=wait_s, retry_in=retry_in, slot=int(slot) / _US)

    def space(self, name: str, *, per_second: float, max_wait: float = 30.0) -> float:
        """Seconds to wait before the request leaves, so departures are 1/Q apart; always granted.

        The second stage of the limiter, called once the request is built, just before it is
        sent. :meth:`reserve` decided *whether* a check runs now, but between its slot and the
        request the check is claimed and its media read, and a stall there (a busy core, a slow
        commit) lets several checks reach the vendor together after it. Here they are spread
        out again: a request leaves no sooner than one interval after the previous departure.
        The wait is bounded by the requests built at the same moment (at most the workers'
        threads). A stored departure more than ``max_wait`` ahead means the Redis clock went back,
        and is started afresh (settings.KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT, kept inside the task's
        soft time limit).
        """
        # The reservation script on the departure key: a max wait equal to the furthest a stored
        # departure may lie ahead means it always grants (the horizon key is never touched).
        interval = max(1, round(_US / per_second))
        bound = round(max_wait * _US)
        try:
            _, _, departure_key, pace_key = self._keys(name)
            _, wait, _, _ = self._reserve(keys=[departure_key, f"{departure_key}:unused", pace_key],
                                          args=[interval, bound, bound, bound, self._recovery])
        except redis.RedisError as exc:
            _warn_open(name, exc)
            return 0.0
        return int(wait) / _US

    def penalise(self, name: str, *, seconds: float = PENALTY_S) -> float | None:
        """The vendor just said "too many": push the next free slot and departure at least
        ``seconds`` away, and slow the pace (at most once per ``seconds``; see :data:`SLOWDOWN`).
        Returns the pace now, as a fraction of the rate (None when Redis is unavailable)."""
        slot_key, _, departure_key, pace_key = self._keys(name)
        try:
            pace = self._penalise(keys=[slot_key, departure_key, pace_key], args=[
                round(seconds * _US), self.slowdown, self.min_pace, self._recovery])
        except redis.RedisError as exc:
            _warn_open(name, exc)
            return None
        return int(pace) / _US

    def pace(self, name: str) -> float:
        """The fraction of the rate that ``name`` is called at now (1.0 unless a vendor's rate-limit
        answer slowed it and it has not recovered yet); for operators and tests."""
        fraction, cut_at = self.client.hmget(self._keys(name)[3], "f", "at")
        if fraction is None:
            return 1.0
        seconds, micros = self.client.time()
        since = max(0, seconds * _US + micros - int(cut_at))
        return min(1.0, float(fraction) + float(self._recovery) * since)

    def reset(self, name: str) -> None:
        self.client.delete(*self._keys(name))


_open_warned_at = 0.0
_clients: dict[str, RateLimiter] = {}
_lock = threading.Lock()


def _warn_open(name: str, exc: Exception) -> None:
    global _open_warned_at
    now = time.monotonic()
    if now - _open_warned_at >= 60 or not _open_warned_at:
        _open_warned_at = now
        logger.warning("rate limiter unavailable (%s: %s); calling %s without a limit", type(exc).__name__, exc, name)


def limiter() -> RateLimiter | None:
    """The process-wide limiter for ``settings.KYC_RATE_LIMIT_REDIS_URL`` (None when unset)."""
    url = settings.KYC_RATE_LIMIT_REDIS_URL
    if not url:
        return None
    with _lock:
        if url not in _clients:
            # Short timeouts: a dead limiter must cost a worker well under a second, not a check.
            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
            _clients[url] = RateLimiter(client)
        return _clients[url]


def provider_rate(provider: str) -> float | None:
    """Calls per second allowed for ``provider``, or None (no limit: local engine, custom providers)."""
    return settings.KYC_RATE_LIMITS.get(provider)


def _provider_limiter(provider: str) -> tuple[RateLimiter, float] | None:
    """The limiter and rate for ``provider``, or None when it has no limit or there is no limiter."""
    rate = provider_rate(provider)
    active = limiter() if rate else None
    return (active, rate) if active is not None else None


def provider_reserve(provider: str) -> Reservation:
    """Reserve a call slot for ``provider``; granted at once when it has no limit or no limiter."""
    limited = _provider_limiter(provider)
    if limited is None:
        return Reservation(granted=True, wait=0.0)
    active, rate = limited
    return active.reserve(provider, per_second=rate, max_wait=settings.KYC_RATE_LIMIT_MAX_WAIT)


def provider_space(provider: str) -> None:
    """Sleep until ``provider``'s next departure (:meth:`RateLimiter.space`); at once without a limit."""
    limited = _provider_limiter(provider)
    if limited is not None:
        active, rate = limited
        time.sleep(active.space(provider, per_second=rate, max_wait=settings.KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT))


def provider_departure(provider: str) -> Departure:
    """The gate a call to ``provider`` runs under (``providers.base.departure``): its request
    waits for :func:`provider_space` after it is built, right before it is sent."""
    return Departure(wait=functools.partial(provider_space, provider))


def provider_call_now(provider: str) -> float | None:
    """For a vendor call a person waits for (a challenge's digits): take a slot within
    KYC_RATE_LIMIT_MAX_WAIT and sleep until it, then return None (the call itself still leaves
    through :func:`provider_departure`); or, with no slot that soon, reserve nothing and return
    the seconds until the next free one."""
    reservation = provider_reserve(provider)
    if not reservation.granted:
        return reservation.wait
    time.sleep(reservation.wait)
    return None


def provider_paces() -> dict[str, dict[str, float]]:
    """Every rate-limited provider's configured rate and the fraction of it that it is called at
    now (below 1 while it recovers from the vendor's rate-limit answers). Empty without a limiter
    or when its Redis does not answer: for operators (``manage.py queues_status``)."""
    active = limiter()
    paces: dict[str, dict[str, float]] = {}
    if active is None:
        return paces
    try:
        for provider, rate in sorted(settings.KYC_RATE_LIMITS.items()):
            paces[provider] = {"per_second": rate, "pace": round(active.pace(provider), 3)}
    except redis.RedisError as exc:
        _warn_open("the pace report", exc)
        return {}
    return paces


def is_rate_limit_answer(*, vendor: str, code: str) -> bool:
    """Whether a vendor error is its "too many requests" answer (catalogue: transient, retry_later)."""
    return ((vendor, code) in {("youtu", "15"), ("http", "429")}
            or (vendor == "tencent_cloud" and "RequestLimitExceeded" in code))


def provider_error_seen(provider: str, *, vendor: str, code: str) -> None:
    """Feed a vendor error back: its rate-limit answer holds this provider's calls (slots and
    departures) for :data:`PENALTY_S` and slows their pace (:data:`SLOWDOWN`); any other error
    changes nothing."""
    if is_rate_limit_answer(vendor=vendor, code=code):
        metrics.rate_limit_answered(provider=provider)
    limited = _provider_limiter(provider) if is_rate_limit_answer(vendor=vendor, code=code) else None
    if limited is not None:
        active, rate = limited
        pace = active.penalise(provider)
        if pace is not None:
            logger.warning("%s answered %s/%s (too many requests): calls held for %g s, then paced at %.0f %% of "
                           "%g/s, recovering by %g %% a second", provider, vendor, code, PENALTY_S, pace * 100, rate,
                           RECOVERY_PER_S * 100)
