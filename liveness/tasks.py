"""Thin Celery tasks: they take ids, and the services do the work.

Queued with ``transaction.on_commit`` by the services. ``acks_late`` plus
``reject_on_worker_lost`` (settings) mean a task whose worker dies is delivered
again; the claim in ``services.check_claim`` makes that redelivery harmless.
Transient vendor failures are retried on the fixed schedule KYC_CHECK_RETRY_DELAYS
by queueing the task again with a countdown; the last failure is terminal.
"""
from __future__ import annotations

from celery import shared_task

from . import selectors, services


@shared_task(bind=True, acks_late=True, ignore_result=True, name="liveness.tasks.check_run_task")
def check_run_task(self, check_id: int) -> str:
    result = services.check_run(check_id=check_id, worker=self.request.hostname or "")
    if result.outcome is services.RunOutcome.RETRY:
        check_run_task.apply_async((check_id,), countdown=result.retry_in)
    return result.outcome.value


@shared_task(ignore_result=True, name="liveness.tasks.checks_requeue_stuck")
def checks_requeue_stuck() -> int:
    """Beat: queue again checks whose message was lost or whose worker died mid-call."""
    check_ids = selectors.check_ids_needing_requeue()
    for check_id in check_ids:
        check_run_task.delay(check_id)
    return len(check_ids)


@shared_task(ignore_result=True, name="liveness.tasks.media_purge_expired")
def media_purge_expired() -> int:
    """Beat: delete the media of cases past their retention period (liveness.security.retention)."""
    from .security import retention

    return retention.media_purge_expired().blobs
