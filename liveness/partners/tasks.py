"""Thin Celery tasks of the partner side: they take ids, the services do the work.

Queued after the commit. ``acks_late``: a task whose worker dies is delivered again, and the
claim (``liveness.jobs.services.job_claim``) makes that harmless. Failed attempts are retried on
KYC_WEBHOOK_RETRY_DELAYS by queueing the task again with a countdown; after the last one the
delivery is failed.
"""
from __future__ import annotations

from celery import shared_task

from .idempotency import idempotency_purge_expired
from .webhooks.delivery import (
    WEBHOOK_DELIVER_TASK,
    DeliveryOutcome,
    webhook_deliver,
    webhook_delivery_ids_to_requeue,
)
from .webhooks.relay import outbox_relay


@shared_task(bind=True, acks_late=True, ignore_result=True, name=WEBHOOK_DELIVER_TASK)
def webhook_deliver_task(self, delivery_id: str) -> str:
    result = webhook_deliver(delivery_id=delivery_id, worker=self.request.hostname or "")
    if result.outcome is DeliveryOutcome.RETRY:
        webhook_deliver_task.apply_async((delivery_id,), countdown=result.retry_in)
    return result.outcome.value


@shared_task(ignore_result=True, name="liveness.partners.tasks.webhook_deliveries_requeue")
def webhook_deliveries_requeue() -> int:
    """Beat: queue again deliveries whose message was lost or whose worker died."""
    ids = webhook_delivery_ids_to_requeue()
    for delivery_id in ids:
        webhook_deliver_task.delay(str(delivery_id))
    return len(ids)


@shared_task(acks_late=True, ignore_result=True, name="liveness.partners.tasks.outbox_relay_task")
def outbox_relay_task() -> int:
    """After every case move, and on beat: outbox events become webhook deliveries."""
    return outbox_relay()


@shared_task(ignore_result=True, name="liveness.partners.tasks.idempotency_purge")
def idempotency_purge() -> int:
    """Beat: delete idempotency records past their 24 hours (expired ones are also replaced lazily)."""
    return idempotency_purge_expired()
