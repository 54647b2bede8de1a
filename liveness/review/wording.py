"""Plain words for reviewers: audit details as a key/value list, delivery errors as a sentence.

Audit events keep their details as JSON (what the code wrote); the dashboard shows them as
labelled rows, never as a Python ``dict`` repr. A failed webhook's stored error is what
``requests``/``urllib3`` said (``ConnectionError: _PublicHTTPConnectionPool(...)``): reviewers get
a sentence saying what happened, the raw text stays available (collapsed) for whoever debugs it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: Detail keys whose meaning is not obvious from the key itself.
DETAIL_LABELS = {
    "over_failed_check": "Approved over a failed check",
    "four_eyes": "Approved over a failed check",  # events written before the key was renamed
    "failing_checks": "Checks that did not pass",
    "reason_code": "Reason code",
    "from": "From state",
    "to": "To state",
    "ip": "IP address",
    "blob": "Medium",
    "range": "Byte range",
    "assignee": "Assigned to",
    "previous": "Previously assigned to",
}


def detail_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or key.replace("_", " ").replace(".", " ").strip().capitalize()


def detail_value(value) -> str:
    """One value as text: yes/no, lists joined with commas, nested objects as ``key: value``."""
    if value is None or value == "":
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(detail_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{detail_label(str(k))}: {detail_value(v)}" for k, v in value.items()) or "—"
    return str(value)


#: Keys shown first, in this order (PostgreSQL's jsonb keeps keys sorted by length, not as written).
DETAIL_FIRST = ("from", "to", "reason", "outcome", "reason_code", "code")


def detail_rows(details) -> list[tuple[str, str]]:
    """``(label, value)`` for each key of an audit event's details (``from``, ``to``, ``reason``... first)."""
    if not isinstance(details, dict):
        return [("Details", detail_value(details))] if details not in (None, "", []) else []
    keys = sorted(details, key=lambda k: DETAIL_FIRST.index(k) if k in DETAIL_FIRST else len(DETAIL_FIRST))
    return [(detail_label(str(k)), detail_value(details[k])) for k in keys]


@dataclass(frozen=True)
class DeliveryProblem:
    summary: str  # a sentence for a reviewer
    raw: str  # what the sender recorded, for whoever debugs it


# (pattern in the raw error, plain sentence); the first that matches wins.
_DELIVERY_PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p, re.IGNORECASE), s) for p, s in [
    (r"^refused: ", "The webhook address points to a private or local network, which is not allowed: "
                    "the partner must change the address."),
    (r"cancelled|endpoint (is )?inactive|deactivated", "Not sent: the partner's webhook address was switched off."),
    (r"abandon|interrupted", "The attempt was interrupted (the worker stopped while sending); it was not retried."),
    (r"connection refused|errno 111|ECONNREFUSED", "The partner's server could not be reached (connection refused)."),
    (r"name or service not known|nodename nor servname|getaddrinfo|NameResolution|temporary failure in name",
     "The partner's server could not be found (its name does not resolve in DNS)."),
    (r"network is unreachable|no route to host|errno 101|errno 113",
     "The partner's server could not be reached (no network route to it)."),
    (r"timed out|timeout", "The partner's server did not answer in time."),
    (r"ssl|certificate|tls", "A secure (HTTPS) connection to the partner's server could not be made "
                             "(certificate or TLS problem)."),
    (r"connection reset|remotedisconnected|connection aborted|errno 104",
     "The partner's server closed the connection before answering."),
    (r"max retries exceeded|connectionerror|newconnectionerror|failed to establish",
     "The partner's server could not be reached."),
]]
_HTTP = re.compile(r"^HTTP (\d{3})")
_GAVE_UP = re.compile(r"gave up after (\d+) attempts")


def delivery_problem(error: str) -> DeliveryProblem | None:
    """A plain sentence for a webhook delivery's ``last_error`` (None when there was no error)."""
    raw = (error or "").strip()
    if not raw:
        return None
    http = _HTTP.match(raw)
    if http:
        status = int(http.group(1))
        summary = (f"The partner's server answered with an error of its own (HTTP {status})." if status >= 500
                   else f"The partner's server refused the notification (HTTP {status}).")
    else:
        summary = next((sentence for pattern, sentence in _DELIVERY_PATTERNS if pattern.search(raw)),
                       "The notification could not be delivered.")
    gave_up = _GAVE_UP.search(raw)
    if gave_up:
        summary += f" Gave up after {gave_up.group(1)} attempts."
    return DeliveryProblem(summary=summary, raw=raw)
