"""Thin Celery tasks of the partner API: they take ids, ``liveness.api.services`` does the work.

Queued with ``transaction.on_commit``. ``acks_late``: a task whose worker dies is
delivered again, and the claim in ``webhook_delivery_claim`` makes that harmless.
Failed attempts are retried on the fixed schedule ``services.retry_delays()`` by
queueing the task again with a countdown; after the last one the delivery is failed.

Registered in workers by ``liveness.apps.LivenessConfig.ready`` importing this module.
"""
from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, ignore_result=True, name="liveness.api.tasks.webhook_deliver_task")
def webhook_deliver_task(self, delivery_id: str) -> str:
    result = services.webhook_deliver(delivery_id=delivery_id)
    if result.outcome is services.DeliveryOutcome.RETRY:
        webhook_deliver_task.apply_async((delivery_id,), countdown=result.retry_in)
    return result.outcome.value


@shared_task(ignore_result=True, name="liveness.api.tasks.webhook_deliveries_requeue")
def webhook_deliveries_requeue() -> int:
    """Beat: queue again pending deliveries whose message was lost or whose worker died."""
    ids = services.webhook_delivery_ids_needing_requeue()
    for delivery_id in ids:
        webhook_deliver_task.delay(str(delivery_id))
    return len(ids)


@shared_task(ignore_result=True, name="liveness.api.tasks.idempotency_purge")
def idempotency_purge() -> int:
    """Beat: delete idempotency records past their 24 hours (expired ones are also replaced lazily)."""
    return services.idempotency_purge_expired()
