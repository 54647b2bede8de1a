"""Health of the portal itself, for three audiences:

* ``/livez`` (load balancers and process supervisors: restart me?): the process answers and
  reaches its database;
* ``/readyz`` (load balancers: send me traffic?): database and broker. Uploads are accepted and
  queued while the broker is up, even with no worker running, so worker presence is NOT part of
  readiness: a worker outage must not take every web node out of rotation;
* ``/healthz`` (monitoring): everything above plus at least one Celery worker; and, for
  operators, each queue's backlog and consumers (``queues_report``, ``manage.py queues_status``).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from liveness.checks import pacing as ratelimit
from liveness.checks.models import Check, CheckStatus
from liveness.jobs.models import JobStatus


def _timed(probe) -> dict:
    started = time.monotonic()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # every failure is a reason for 503, reported by name
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return {"ok": ok, "detail": detail, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
    client.ping()
    return "redis"


def _workers() -> list[str]:
    """Names of the workers that answered. Returns at the first reply (``limit=1``) so a load
    balancer's probe costs one round trip, not the whole 1-s collection window; it waits the full
    second only when no worker is alive."""
    from kyc_portal.celery import app

    replies = app.control.ping(timeout=1.0, limit=1) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        raise RuntimeError("no Celery worker answered within 1 s")
    return names


def liveness_report() -> tuple[bool, dict]:
    report = {"database": _timed(_database)}
    return all(part["ok"] for part in report.values()), report


def readiness_report() -> tuple[bool, dict]:
    report = {"database": _timed(_database), "broker": _timed(_broker)}
    return all(part["ok"] for part in report.values()), report


def health_report() -> tuple[bool, dict]:
    """Readiness plus the workers: for monitoring, not for a load balancer."""
    report = {"database": _timed(_database), "broker": _timed(_broker)}
    report["workers"] = _timed(_workers) if report["broker"]["ok"] else {"ok": False, "detail": "broker unreachable"}
    return all(part["ok"] for part in report.values()), report


# --- queues: who consumes what, and how far behind the pipeline is ------------------------------

@dataclass(frozen=True)
class QueueState:
    name: str
    waiting: int  # messages in the queue's Redis list (not yet taken by any worker)
    consumers: list[str]  # "worker@host (pool x concurrency)"


@dataclass(frozen=True)
class QueuesReport:
    queues: list[QueueState]
    checks_due: int  # pending checks whose time has come
    checks_oldest_due_s: float | None  # how long the longest-waiting of them has waited
    checks_in_flight: int
    deliveries_due: int
    deliveries_oldest_due_s: float | None
    deliveries_failed_24h: int
    #: provider -> {"per_second": configured rate, "pace": fraction of it used now} (ratelimit)
    vendor_paces: dict[str, dict[str, float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def queues_report(*, timeout: float = 2.0, max_wait_s: float = 300.0) -> QueuesReport:
    """Every declared queue with its backlog and consumers, and the backlog in the database.

    For operators and monitoring (``manage.py queues_status``), not for the load balancer: it
    waits ``timeout`` seconds for every worker to say which queues it consumes. Problems: a
    queue nobody consumes (its work waits forever: the sweeps only queue it again), and work
    due for longer than ``max_wait_s`` (workers too few, or stuck). Checks paced by a vendor's
    rate limit are not due until their slot, so they do not count as late.
    """
    from kyc_portal.celery import app
    from liveness.partners.models import WebhookDelivery

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
    replies = app.control.inspect(timeout=timeout).active_queues() or {}
    stats = (app.control.inspect(timeout=timeout).stats() or {}) if replies else {}
    consumers: dict[str, list[str]] = {}
    for worker, queues in sorted(replies.items()):
        pool = (stats.get(worker) or {}).get("pool") or {}
        # "celery.concurrency.prefork:TaskPool" -> "prefork" ("thread" for the threads pool)
        kind = pool.get("implementation", "?").split(":", 1)[0].rsplit(".", 1)[-1]
        label = f"{worker} ({kind} x{pool.get('max-concurrency', '?')})"
        for queue in queues:
            consumers.setdefault(queue["name"], []).append(label)
    states = [QueueState(name=q.name, waiting=client.llen(q.name), consumers=consumers.get(q.name, []))
              for q in settings.CELERY_TASK_QUEUES]

    now = timezone.now()
    due_checks = Check.objects.filter(status=CheckStatus.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
    oldest_check = due_checks.aggregate(oldest=Min(Coalesce("next_attempt_at", "created_at")))["oldest"]
    due_deliveries = WebhookDelivery.objects.filter(status=JobStatus.PENDING, next_attempt_at__lte=now)
    oldest_delivery = due_deliveries.aggregate(oldest=Min("next_attempt_at"))["oldest"]
    report = QueuesReport(
        queues=states,
        checks_due=due_checks.count(),
        checks_oldest_due_s=(now - oldest_check).total_seconds() if oldest_check else None,
        checks_in_flight=Check.objects.filter(status=CheckStatus.IN_FLIGHT).count(),
        deliveries_due=due_deliveries.count(),
        deliveries_oldest_due_s=(now - oldest_delivery).total_seconds() if oldest_delivery else None,
        deliveries_failed_24h=WebhookDelivery.objects.filter(
            status=JobStatus.FAILED, created_at__gte=now - timedelta(hours=24)).count(),
        vendor_paces=ratelimit.provider_paces(),
    )
    report.problems.extend(f'no worker consumes the queue "{q.name}"' for q in states if not q.consumers)
    for what, waited in (("check", report.checks_oldest_due_s), ("webhook delivery", report.deliveries_oldest_due_s)):
        if waited is not None and waited > max_wait_s:
            report.problems.append(f"the oldest due {what} has waited {waited / 60:.0f} min "
                                   f"(more than {max_wait_s / 60:.0f} min)")
    return report
