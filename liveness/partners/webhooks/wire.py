"""Webhook wire format: which events a transition raises, the JSON body, and the signature.

Pure functions (no database) so partners' docs, the delivery service and the tests
share one definition of the contract:

* body: compact JSON (``{"id", "event", "timestamp", "case_id", "reference", "state", "decision"}``),
  sent byte-for-byte as signed;
* ``X-KYC-Timestamp``: Unix seconds of this attempt;
* ``X-KYC-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{raw_body}")>``.

The timestamp is part of the signed text so a captured request cannot be replayed
later: receivers reject timestamps older than a few minutes (see ``signature_verify``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime

from liveness.cases.models import CaseState
from liveness.partners.models import WebhookEvent

SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300


def events_for_transition(*, previous: str, state: str) -> list[str]:
    """The events a case move raises, in the order they are sent.

    Leaving ``processing`` for a verdict means the checks are done (whatever came next; a withdrawal
    cut them short); a final state is a decision; ``retake_requested`` asks the partner to bring the
    person back; ``withdrawn`` says the person withdrew their consent.
    """
    events = []
    if previous == CaseState.PROCESSING and state not in (CaseState.PROCESSING, CaseState.WITHDRAWN):
        events.append(WebhookEvent.CHECKS_COMPLETED.value)
    if state in (CaseState.APPROVED, CaseState.REJECTED):
        events.append(WebhookEvent.DECIDED.value)
    if state == CaseState.RETAKE_REQUESTED:
        events.append(WebhookEvent.RETAKE_REQUESTED.value)
    if state == CaseState.WITHDRAWN:
        events.append(WebhookEvent.CONSENT_WITHDRAWN.value)
    return events


def payload_make(*, event_id: str, event: str, case_public_id: str, reference: str, state: str,
                 at: datetime, decision: dict | None = None) -> dict:
    """The body of one webhook. ``decision`` is the decision behind ``state`` as the case detail's
    ``decision`` shows it (outcome, reason_code, reason, user_message, decided_by, decided_at), or
    None (the key is always present: null while nothing is decided)."""
    return {
        "id": event_id,
        "event": event,
        "timestamp": at.isoformat().replace("+00:00", "Z"),
        "case_id": case_public_id,
        "reference": reference,
        "state": state,
        "decision": decision,
    }


def body_encode(payload: dict) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def signature_make(*, secret: str, timestamp: int, body: bytes) -> str:
    """``v1=<hex>``: HMAC-SHA256 keyed with the endpoint secret over ``"{timestamp}.{body}"``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={mac}"


def signature_verify(*, secret: str, timestamp: str, body: bytes, signature: str,
                     tolerance_s: int = DEFAULT_TOLERANCE_S, now: float | None = None) -> bool:
    """What a receiver does: constant-time compare, and refuse stale timestamps."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > tolerance_s:
        return False
    expected = signature_make(secret=secret, timestamp=ts, body=body)
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))


def headers_make(*, secret: str, body: bytes, event: str, delivery_id: str, timestamp: int | None = None) -> dict:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "kyc-portal-webhooks/1",
        "X-KYC-Event": event,
        "X-KYC-Delivery": delivery_id,
        "X-KYC-Timestamp": str(ts),
        "X-KYC-Signature": signature_make(secret=secret, timestamp=ts, body=body),
    }
