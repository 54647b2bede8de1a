"""What partners see as a delivery's latest attempt (``last_status_code``, ``last_latency_ms``,
``last_error`` in ``GET /api/v1/webhooks/deliveries``), read from its attempt rows.

The attempt rows are the record; the delivery row adds only how it ended when no attempt says so:
cancelled because its endpoint stopped receiving (``cancelled_while``: pending, or in flight when
the attempt's answer came after the cancellation), given up after the last retry, or failed because
every attempt was interrupted by a stopped worker.
"""
from __future__ import annotations

from dataclasses import dataclass

from liveness.jobs.models import AttemptOutcome, JobStatus

from ..models import DeliveryAttempt, WebhookDelivery
from .delivery import ABANDONED_ERROR
from .endpoints import WEBHOOK_CANCELLED_ERROR

#: Attempts that got as far as an answer or an error (not started, not abandoned).
CLOSED = (AttemptOutcome.ANSWERED, AttemptOutcome.TRANSIENT_ERROR, AttemptOutcome.PERMANENT_ERROR)


@dataclass(frozen=True)
class LastAttempt:
    status_code: int | None
    latency_ms: int | None
    error: str


def delivery_last_attempt(*, delivery: WebhookDelivery) -> LastAttempt:
    """The latest recorded attempt's HTTP status and latency, and the delivery's error in words.
    Reads ``delivery.attempt_rows.all()`` (prefetch it for lists)."""
    attempts: list[DeliveryAttempt] = sorted(delivery.attempt_rows.all(), key=lambda attempt: attempt.number)
    closed = [attempt for attempt in attempts if attempt.outcome in CLOSED]
    last = closed[-1] if closed else None
    status_code, latency_ms = (last.http_status, last.latency_ms) if last else (None, None)
    error = last.error_message if last else ""
    if delivery.status != JobStatus.DONE:
        error = _failure(delivery, attempts, last, error)
    return LastAttempt(status_code=status_code, latency_ms=latency_ms, error=error)


def _failure(delivery: WebhookDelivery, attempts: list[DeliveryAttempt], last: DeliveryAttempt | None,
             error: str) -> str:
    if delivery.cancelled_while:
        in_flight_answered = (delivery.cancelled_while == "in_flight" and last is not None
                              and last.number == delivery.attempts)
        return f"{WEBHOOK_CANCELLED_ERROR}; the attempt in flight got: {error}" if in_flight_answered \
            else WEBHOOK_CANCELLED_ERROR
    if delivery.status != JobStatus.FAILED:
        return error
    if attempts and attempts[-1].outcome == AttemptOutcome.ABANDONED:
        return ABANDONED_ERROR
    if last is not None and last.outcome == AttemptOutcome.TRANSIENT_ERROR:
        return f"{error} (gave up after {delivery.attempts} attempts)"
    return error
