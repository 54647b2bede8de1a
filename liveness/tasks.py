"""Thin Celery tasks: they take ids, and the services do the work.

Queued with ``transaction.on_commit`` by the services. ``acks_late`` plus
``reject_on_worker_lost`` (settings) mean a task whose worker dies is delivered
again; the claim in ``services.check_claim`` makes that redelivery harmless.
Transient vendor failures are retried on the fixed schedule KYC_CHECK_RETRY_DELAYS
by queueing the task again with a countdown; the last failure is terminal. A check whose
vendor has no free call slot soon (``liveness.ratelimit``) is queued again the same way.

Checks go to their provider's queue (``check_enqueue``): "engine" for the local engine,
"vendor" for remote vendors; every other task goes to "default" (docs/scaling.md).
"""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import selectors, services


def check_queue(provider: str) -> str:
    """The queue for a provider's checks (settings.KYC_CHECK_QUEUES); a dotted-path custom provider
    is assumed to call a remote vendor."""
    return settings.KYC_CHECK_QUEUES.get(provider, "vendor")


def check_enqueue(*, check_id: int, provider: str | None = None, countdown: float | None = None) -> None:
    """Send ``check_run_task`` to the queue of the check's provider: the only way checks are queued."""
    if provider is None:
        provider = selectors.check_providers(check_ids=[check_id]).get(check_id, "")
    check_run_task.apply_async((check_id,), queue=check_queue(provider), countdown=countdown)


@shared_task(bind=True, acks_late=True, ignore_result=True, name="liveness.tasks.check_run_task")
def check_run_task(self, check_id: int) -> str:
    result = services.check_run(check_id=check_id, worker=self.request.hostname or "")
    if result.outcome in (services.RunOutcome.RETRY, services.RunOutcome.THROTTLED):
        check_enqueue(check_id=check_id, provider=result.provider, countdown=result.retry_in)
    return result.outcome.value


@shared_task(ignore_result=True, name="liveness.tasks.checks_requeue_stuck")
def checks_requeue_stuck() -> int:
    """Beat: queue again checks whose message was lost or whose worker died mid-call."""
    check_ids = selectors.check_ids_needing_requeue()
    providers = selectors.check_providers(check_ids=check_ids)
    for check_id in check_ids:
        check_enqueue(check_id=check_id, provider=providers.get(check_id, ""))
    return len(check_ids)


@shared_task(ignore_result=True, name="liveness.tasks.media_purge_expired")
def media_purge_expired() -> int:
    """Beat: delete the media of cases past their retention period (liveness.security.retention)."""
    from .security import retention

    return retention.media_purge_expired().blobs


@shared_task(ignore_result=True, name="liveness.tasks.media_orphans_sweep")
def media_orphans_sweep() -> int:
    """Beat: delete media files no live row names, past KYC_ORPHAN_GRACE_HOURS (liveness.security.orphans)."""
    from .security import orphans

    return len(orphans.media_orphans_sweep().orphans)
