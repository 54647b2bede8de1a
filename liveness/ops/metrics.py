"""The product's Prometheus metrics and the one-line hooks that move them.

Every hook is failure-proof: a metrics error is logged (once per hook) and swallowed, never
raised into a check, a delivery or a request (:func:`_safe`). Hooks that run inside a
transaction count on commit, so a rolled-back change is never counted.

Multi-process: under gunicorn (several workers) and Celery prefork, each process writes its
values to files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's own mode, chosen when the
variable is set before prometheus-client is imported) and the scrape (``liveness.ops.views``)
sums them. The folder must be empty at start and the processes that died marked
(deploy/gunicorn.conf.py ``child_exit``, ``celery_context`` on worker process shutdown).

No product import here: the apps import this module, not the other way round.
"""
from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec

from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess

logger = logging.getLogger(__name__)
P = ParamSpec("P")

#: Decision times run from seconds (automatic) to days (a reviewer's queue).
DECISION_BUCKETS = (1, 5, 15, 30, 60, 300, 900, 3600, 4 * 3600, 86400, 3 * 86400, 7 * 86400)
VENDOR_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)
LAG_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 6 * 3600, 86400)

CHECKS = Counter("kyc_checks_total", "Checks finished, by provider, outcome (passed, not_passed, failed) and "
                 "vendor code ('' when none)", ["provider", "outcome", "code"])
VENDOR_LATENCY = Histogram("kyc_vendor_call_seconds", "One vendor call's latency (from its departure), by provider, "
                           "operation and result (answered, error)", ["provider", "operation", "result"],
                           buckets=VENDOR_BUCKETS)
RETRIES = Counter("kyc_check_retries_total", "Check attempts that failed transiently and were scheduled again, by "
                  "provider and code", ["provider", "code"])
RATE_LIMITED = Counter("kyc_vendor_rate_limited_total", "Rate-limit answers ('too many requests') from vendors, "
                       "by provider", ["provider"])
WEBHOOKS = Counter("kyc_webhook_deliveries_total", "Webhook delivery attempts by result (delivered, retry, "
                   "failed)", ["outcome"])
WEBHOOK_LAG = Histogram("kyc_webhook_delivery_lag_seconds", "From the event's delivery row to the partner's 2xx",
                        buckets=LAG_BUCKETS)
CASE_MOVES = Counter("kyc_case_transitions_total", "Case state changes, by the state left and the state entered",
                     ["from_state", "to_state"])
DECISION_TIME = Histogram("kyc_case_decision_seconds", "From the latest submission to the decision, by who "
                          "decided (automatic, human) and the state entered", ["decided_by", "to_state"],
                          buckets=DECISION_BUCKETS)
UPLOADS_REFUSED = Counter("kyc_uploads_refused_total", "Uploads refused, by door (capture, api) and code",
                          ["door", "code"])

#: States that end processing: the time to reach them is the decision time.
DECISION_STATES = frozenset({"approved", "rejected", "retake_requested", "manual_review"})
_warned: set[str] = set()


def counted_registry() -> CollectorRegistry:
    """The registry holding every process's counted values: in multi-process mode (PROMETHEUS_MULTIPROC_DIR
    set) a fresh one summing the folder's files, else this process's own. Used by ``/metrics``
    (:mod:`liveness.ops.views`) and a worker's own listener (:mod:`liveness.ops.celery_context`)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _safe(hook: Callable[P, None]) -> Callable[P, None]:
    """Run ``hook``; any exception is logged (the first time per hook) and swallowed."""
    @functools.wraps(hook)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            hook(*args, **kwargs)
        except Exception:
            name = getattr(hook, "__qualname__", "?")
            if name not in _warned:
                _warned.add(name)
                logger.exception("metrics hook %s failed (further failures not logged)", name)
    return guarded


def _on_commit(func: Callable[[], None]) -> None:
    """Now outside a transaction, after its commit inside one (never for a rollback); guarded
    like the hooks, since it runs after they returned."""
    transaction.on_commit(_safe(func))


@_safe
def check_recorded(*, check: Any) -> None:
    """A check ended (done or failed): counted by provider, outcome and vendor code."""
    if check.status == "failed":
        outcome = "failed"
    else:
        outcome = "passed" if check.passed else "not_passed"
    labels = {"provider": check.provider, "outcome": outcome, "code": check.error_code or ""}
    _on_commit(lambda: CHECKS.labels(**labels).inc())


@_safe
def vendor_call_observed(*, provider: str, operation: str, seconds: float, answered: bool) -> None:
    """One vendor call's latency, measured where the check measures it (from the departure)."""
    VENDOR_LATENCY.labels(provider=provider, operation=str(operation),
                          result="answered" if answered else "error").observe(max(0.0, seconds))


@_safe
def check_retry_scheduled(*, provider: str, code: str) -> None:
    """A transient failure put the check back in the queue."""
    _on_commit(lambda: RETRIES.labels(provider=provider, code=code).inc())


@_safe
def rate_limit_answered(*, provider: str) -> None:
    """A vendor answered "too many requests"."""
    RATE_LIMITED.labels(provider=provider).inc()


@_safe
def webhook_attempted(*, outcome: str, delivered_at: datetime | None = None, created_at: datetime | None = None) -> None:
    """A delivery attempt ended; a delivered one also observes its lag since the delivery row."""
    def count() -> None:
        WEBHOOKS.labels(outcome=outcome).inc()
        if delivered_at is not None and created_at is not None:
            WEBHOOK_LAG.observe(max(0.0, (delivered_at - created_at).total_seconds()))
    _on_commit(count)


@_safe
def case_moved(*, case: Any, previous: str, human: bool, submitted_at: datetime | None) -> None:
    """A case changed state; a decision also observes the time since the latest submission
    (``submitted_at``, read by the caller with the case's row: no query here)."""
    to = str(case.state)
    submitted = submitted_at if to in DECISION_STATES and previous in ("processing", "manual_review") else None
    now = timezone.now()

    def count() -> None:
        CASE_MOVES.labels(from_state=previous, to_state=to).inc()
        if submitted is not None:
            DECISION_TIME.labels(decided_by="human" if human else "automatic", to_state=to).observe(
                max(0.0, (now - submitted).total_seconds()))
    _on_commit(count)


@_safe
def upload_refused(*, door: str, code: str) -> None:
    """An upload was refused (MediaRejected, SubmissionRefused) at ``door`` (capture, api)."""
    UPLOADS_REFUSED.labels(door=door, code=code or "unknown").inc()
