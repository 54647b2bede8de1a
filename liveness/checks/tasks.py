"""Thin Celery tasks for checks: they take ids, and ``liveness.checks.services`` does the work.

Queued after the commit by ``liveness.checks.queue``. ``acks_late`` plus ``reject_on_worker_lost``
(settings) mean a task whose worker dies is delivered again; the claim in
``services.check_claim`` makes that redelivery harmless. Transient vendor failures are retried
on the fixed schedule KYC_CHECK_RETRY_DELAYS by queueing the task again with a countdown; the
last failure is terminal. A check whose vendor has no free call slot soon
(``liveness.checks.pacing``) is queued again the same way.

Checks go to their provider's queue: "engine" for the local engine, "vendor" for remote
vendors; every other task goes to "default" (docs/scaling.md).
"""
from __future__ import annotations

from celery import shared_task

from . import selectors, services
from .queue import CHECK_RUN_TASK, check_enqueue


@shared_task(bind=True, acks_late=True, ignore_result=True, name=CHECK_RUN_TASK)
def check_run_task(self, check_id: int) -> str:
    result = services.check_run(check_id=check_id, worker=self.request.hostname or "")
    if result.outcome in (services.RunOutcome.RETRY, services.RunOutcome.THROTTLED):
        check_enqueue(check_id=check_id, provider=result.provider, countdown=result.retry_in)
    return result.outcome.value


@shared_task(ignore_result=True, name="liveness.checks.tasks.checks_requeue_stuck")
def checks_requeue_stuck() -> int:
    """Beat: queue again checks whose message was lost or whose worker died mid-call."""
    check_ids = services.check_ids_to_requeue()
    providers = selectors.check_providers(check_ids=check_ids)
    for check_id in check_ids:
        check_enqueue(check_id=check_id, provider=providers.get(check_id, ""))
    return len(check_ids)
