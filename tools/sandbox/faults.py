"""Fault injection and the call log of the vendor sandbox (both thread-safe).

A fault is a dict posted to ``POST /_sandbox/faults``::

    {"match": "/face/livedetectpicture" | "DetectLiveFace" | "/face/*" | "*",
     "kind": "latency" | "rate_limit" | "server_error" | "timeout" | "malformed" | "quota" | "fixed",
     "times": 3,          # how many of the next matching calls it affects; absent = all
     "ms": 200,           # latency / timeout / fixed: how long to hold the request
     "per_second": 20,    # quota: token-bucket refill rate
     "burst": 20}         # quota: bucket size (default: per_second, at least 1)

``match`` is an :func:`fnmatch.fnmatchcase` pattern tried against the request path and
against the Tencent Cloud action name (``X-TC-Action``).

For each vendor request, in this order: every matching ``latency`` fault adds its delay;
every matching ``quota`` bucket takes a token and an empty bucket answers the vendor's
rate-limit form; otherwise the first matching ``rate_limit`` / ``server_error`` /
``timeout`` / ``malformed`` fault with calls left decides the answer; failing those, the
first matching ``fixed`` fault with calls left does. ``timeout`` holds
the socket ``ms`` (default 65 s, longer than any client timeout the portal uses) and
then answers normally; clearing the faults releases every held request at once.

``fixed`` is a mode for benchmarks rather than a failure: the vendor module answers a
canned, wire-correct success (after checking the request the way the vendor does, but
without running the engine) exactly ``ms`` after the request arrived (default 200), so a
benchmark measures the portal's own cost against a vendor of known, constant speed
instead of the engine's CPU time competing with the portal for the same cores.
"""
from __future__ import annotations

import fnmatch
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

KINDS = ("latency", "rate_limit", "server_error", "timeout", "malformed", "quota", "fixed")
ANSWER_KINDS = ("rate_limit", "server_error", "timeout", "malformed")
DEFAULT_MS = {"latency": 200, "timeout": 65_000, "fixed": 200}


class FaultSpecError(ValueError):
    pass


@dataclass
class Fault:
    id: int
    match: str
    kind: str
    times: int | None = None
    ms: int = 0
    per_second: float = 0.0
    burst: float = 0.0
    hits: int = 0
    _tokens: float = 0.0
    _stamp: float = field(default_factory=time.monotonic)

    def matches(self, keys: tuple[str, ...]) -> bool:
        return any(k and fnmatch.fnmatchcase(k, self.match) for k in keys)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.times <= 0

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "match": self.match, "kind": self.kind, "times": self.times, "hits": self.hits}
        if self.kind in ("latency", "timeout", "fixed"):
            data["ms"] = self.ms
        if self.kind == "quota":
            data["per_second"] = self.per_second
            data["burst"] = self.burst
        return data


def parse_fault(spec: Any) -> dict[str, Any]:
    """Validate one fault dict; raises :class:`FaultSpecError` with a readable reason."""
    if not isinstance(spec, dict):
        raise FaultSpecError("a fault must be a JSON object")
    unknown = set(spec) - {"match", "kind", "times", "ms", "per_second", "burst"}
    if unknown:
        raise FaultSpecError(f"unknown fault keys: {', '.join(sorted(unknown))}")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
    match = spec.get("match", "*")
    if not isinstance(match, str) or not match:
        raise FaultSpecError("match must be a non-empty string")
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise FaultSpecError("times must be a positive integer (or absent for unlimited)")
    ms = spec.get("ms", DEFAULT_MS.get(kind, 0))
    if not isinstance(ms, (int, float)) or isinstance(ms, bool) or ms < 0:
        raise FaultSpecError("ms must be a non-negative number")
    parsed: dict[str, Any] = {"match": match, "kind": kind, "times": times, "ms": int(ms)}
    if kind == "quota":
        per_second = spec.get("per_second")
        if not isinstance(per_second, (int, float)) or isinstance(per_second, bool) or per_second <= 0:
            raise FaultSpecError("quota needs per_second > 0")
        burst = spec.get("burst", max(1.0, float(per_second)))
        if not isinstance(burst, (int, float)) or isinstance(burst, bool) or burst < 1:
            raise FaultSpecError("burst must be >= 1")
        parsed.update(per_second=float(per_second), burst=float(burst))
    return parsed


@dataclass
class Decision:
    delay_ms: int = 0
    action: str = ""  # "" (handle normally) or one of ANSWER_KINDS, "quota" or "fixed"
    hold_ms: int = 0  # for "timeout"; for "fixed", the answer time counted from arrival
    fault_ids: list[int] = field(default_factory=list)


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._release = threading.Event()

    def add(self, spec: dict[str, Any]) -> Fault:
        parsed = parse_fault(spec)
        with self._lock:
            fault = Fault(id=next(self._ids), **parsed)
            if fault.kind == "quota":
                fault._tokens = fault.burst
            self._faults.append(fault)
            return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        """Remove every fault and release requests currently held by a timeout/latency fault."""
        with self._lock:
            self._faults = []
            old, self._release = self._release, threading.Event()
        old.set()

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.as_json() for f in self._faults]

    def decide(self, keys: tuple[str, ...]) -> Decision:
        decision = Decision()
        with self._lock:
            # Read inside the lock: a time read before it could be older than the bucket's stamp
            # (another thread got the lock first), and the bucket would lose tokens it had.
            now = time.monotonic()
            matching = [f for f in self._faults if not f.exhausted and f.matches(keys)]
            for fault in matching:
                if fault.kind == "latency":
                    decision.delay_ms += fault.ms
                    self._spend(fault, decision)
            for fault in matching:
                if fault.kind != "quota":
                    continue
                fault._tokens = min(fault.burst, fault._tokens + (now - fault._stamp) * fault.per_second)
                fault._stamp = now
                if fault._tokens >= 1.0:
                    fault._tokens -= 1.0
                elif not decision.action:
                    decision.action = "quota"
                    fault.hits += 1
                    decision.fault_ids.append(fault.id)
            if not decision.action:
                for fault in matching:
                    if fault.kind in ANSWER_KINDS:
                        decision.action = fault.kind
                        decision.hold_ms = fault.ms if fault.kind == "timeout" else 0
                        self._spend(fault, decision)
                        break
            if not decision.action:
                for fault in matching:
                    if fault.kind == "fixed":
                        decision.action = "fixed"
                        decision.hold_ms = fault.ms
                        self._spend(fault, decision)
                        break
        return decision

    @staticmethod
    def _spend(fault: Fault, decision: Decision) -> None:
        fault.hits += 1
        if fault.times is not None:
            fault.times -= 1
        decision.fault_ids.append(fault.id)

    def hold(self, ms: float) -> bool:
        """Sleep ``ms`` unless the faults are cleared first; True if it slept the full time."""
        if ms <= 0:
            return True
        with self._lock:
            event = self._release
        return not event.wait(ms / 1000.0)

    def release_all(self) -> None:
        with self._lock:
            old, self._release = self._release, threading.Event()
        old.set()


class CallLog:
    """Every request that reached a vendor handler or a fault, with its outcome."""

    def __init__(self, keep: int = 1000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=keep)
        self._counts: dict[str, dict[str, Any]] = {}
        self._epoch = 0
        self._seq = itertools.count(1)

    def start(self, *, vendor: str, endpoint: str, method: str, path: str, request_id: str = "") -> dict[str, Any]:
        entry = {
            "seq": 0, "time": time.time(), "vendor": vendor, "endpoint": endpoint, "method": method,
            "path": path, "outcome": "pending", "status": None, "vendor_code": "", "duration_ms": None,
            "faults": [], "request_id": request_id,
        }
        with self._lock:
            entry["seq"] = next(self._seq)
            entry["_epoch"] = self._epoch
            self._entries.append(entry)
            bucket = self._counts.setdefault(endpoint, {"vendor": vendor, "total": 0, "outcomes": {}, "vendor_codes": {}})
            bucket["total"] += 1
        return entry

    def finish(self, entry: dict[str, Any], *, outcome: str, status: int | None, vendor_code: str = "",
               duration_ms: float | None = None, faults: list[int] | None = None) -> None:
        with self._lock:
            entry.update(outcome=outcome, status=status, vendor_code=vendor_code,
                         duration_ms=None if duration_ms is None else round(duration_ms, 1))
            if faults:
                entry["faults"] = list(faults)
            if entry.pop("_epoch", None) != self._epoch:
                return  # started before a reset: it belongs to counts that no longer exist
            bucket = self._counts[entry["endpoint"]]
            bucket["outcomes"][outcome] = bucket["outcomes"].get(outcome, 0) + 1
            if vendor_code:
                bucket["vendor_codes"][vendor_code] = bucket["vendor_codes"].get(vendor_code, 0) + 1

    def annotate(self, entry: dict[str, Any], **values: Any) -> None:
        """Update an entry's details (status, duration) without counting it again."""
        with self._lock:
            if values.get("duration_ms") is not None:
                values["duration_ms"] = round(values["duration_ms"], 1)
            entry.update(values)

    def snapshot(self, *, recent: int = 200) -> dict[str, Any]:
        with self._lock:
            counts = {k: {**v, "outcomes": dict(v["outcomes"]), "vendor_codes": dict(v["vendor_codes"])}
                      for k, v in self._counts.items()}
            entries = [{k: v for k, v in e.items() if k != "_epoch"}
                       for e in list(self._entries)[-recent:]] if recent else []
        return {"total": sum(v["total"] for v in counts.values()), "endpoints": counts, "calls": entries}

    def reset(self) -> None:
        """Forget every call. A call still in flight finishes without being counted."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()
            self._counts.clear()
