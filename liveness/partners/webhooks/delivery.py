"""Delivering webhooks: each delivery is a job (``liveness.jobs``) with one attempt row per POST.

One attempt: claim (an inactive endpoint's delivery is cancelled instead), save the attempt row,
POST the signed body (KYC_WEBHOOK_TIMEOUT; no redirects; only to public addresses), record.
A 2xx answer is delivered; anything else schedules the next attempt on KYC_WEBHOOK_RETRY_DELAYS;
a refused address is permanent; after the last attempt the delivery is failed, visible in
``GET /api/v1/webhooks/deliveries`` with every attempt. HTTP calls are never made inside a
transaction.
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liveness.cases.audit import audit_record
from liveness.jobs.enqueue import enqueue_or_leave_for_sweep
from liveness.jobs.models import AttemptOutcome, JobStatus
from liveness.ops import metrics
from liveness.jobs.services import (
    JobPolicy,
    job_attempt_close,
    job_claim,
    job_finish,
    job_ids_to_requeue,
    job_retry_schedule,
)

from ..keys import actor_label_for
from ..models import DeliveryAttempt, PartnerApiKey, WebhookDelivery
from . import guard as webhook_urls
from . import wire as webhooks
from .endpoints import WebhookEndpointRefused

WEBHOOK_DELIVER_TASK = "liveness.partners.tasks.webhook_deliver_task"
ABANDONED_ERROR = "Every attempt was interrupted by a stopped worker."


class DeliveryOutcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    retry_in: int | None = None


def delivery_job_policy() -> JobPolicy:
    """Deliveries' claim window and retry schedule (KYC_WEBHOOK_STALE_AFTER, KYC_WEBHOOK_RETRY_DELAYS)."""
    return JobPolicy(stale_after=timedelta(seconds=settings.KYC_WEBHOOK_STALE_AFTER),
                     retry_delays=tuple(settings.KYC_WEBHOOK_RETRY_DELAYS))


def retry_delays() -> tuple[int, ...]:
    return delivery_job_policy().retry_delays


def delivery_enqueue_on_commit(*, delivery_id) -> None:
    """Queue the delivery once the current transaction commits. A broker that is down leaves it
    pending for the sweep (``webhook_delivery_ids_to_requeue``)."""
    transaction.on_commit(lambda: _enqueue_delivery(delivery_id))


def _enqueue_delivery(delivery_id) -> None:
    enqueue_or_leave_for_sweep(lambda: current_app.send_task(WEBHOOK_DELIVER_TASK, (str(delivery_id),)),
                               what=f"webhook delivery {delivery_id}", sweep="the webhook sweep")


def _cancel_if_endpoint_inactive(delivery: WebhookDelivery) -> bool:
    """Claim rule: an inactive endpoint receives nothing; its delivery is cancelled, visibly."""
    if delivery.endpoint.is_active:
        return True
    job_finish(job=delivery, status=JobStatus.FAILED, now=timezone.now())
    delivery.cancelled_while = "pending"
    delivery.save(update_fields=["status", "claimed_at", "next_attempt_at", "finished_at", "cancelled_while"])
    return False


def _fail_abandoned(delivery: WebhookDelivery) -> None:
    """Its last attempt was just marked abandoned: the error partners see is ABANDONED_ERROR (``history``)."""
    job_finish(job=delivery, status=JobStatus.FAILED, now=timezone.now())
    delivery.save(update_fields=["status", "claimed_at", "next_attempt_at", "finished_at"])


def webhook_delivery_claim(*, delivery_id, worker: str = "") -> tuple[WebhookDelivery, DeliveryAttempt] | None:
    """Take a due delivery for one attempt and save its attempt row, or None (done, failed, early,
    another attempt in flight, or cancelled here because its endpoint is inactive)."""
    return job_claim(model=WebhookDelivery, pk=delivery_id, worker=worker, policy=delivery_job_policy(),
                     attempt_model=DeliveryAttempt, attempt_field="delivery", exhausted=_fail_abandoned,
                     admissible=_cancel_if_endpoint_inactive)


def webhook_deliver(*, delivery_id, worker: str = "") -> DeliveryResult:
    """One attempt of a delivery (see the module doc)."""
    claimed = webhook_delivery_claim(delivery_id=delivery_id, worker=worker)
    if claimed is None:
        return DeliveryResult(DeliveryOutcome.SKIPPED)
    delivery, attempt = claimed
    endpoint = delivery.endpoint
    body = webhooks.body_encode(delivery.payload)
    headers = webhooks.headers_make(secret=endpoint.secret, body=body, event=delivery.event,
                                    delivery_id=str(delivery.pk))
    status_code, error, code, permanent = None, "", "", False
    started = time.monotonic()
    try:
        with webhook_urls.public_session() as session:
            response = session.post(endpoint.url, data=body, headers=headers, allow_redirects=False,
                                    timeout=settings.KYC_WEBHOOK_TIMEOUT)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error, code = f"HTTP {status_code}: {response.text[:200]}", f"http_{status_code}"
    except requests.Timeout:
        error, code = "timed out", "timeout"
    except requests.RequestException as exc:
        refused = _non_public_reason(exc)
        if refused is not None:  # trying again cannot help: an operator must fix the URL or its DNS
            error, code, permanent = f"refused: {refused}", "address_refused", True
        else:
            error, code = f"{type(exc).__name__}: {exc}"[:500], "connection_failed"
    latency_ms = int((time.monotonic() - started) * 1000)
    return webhook_delivery_record(delivery=delivery, attempt=attempt, status_code=status_code,
                                   latency_ms=latency_ms, error=error, code=code, permanent=permanent)


def _non_public_reason(exc: BaseException) -> webhook_urls.NonPublicAddress | None:
    """The NonPublicAddress somewhere inside what urllib3 and requests wrapped it in (their
    exceptions carry it in ``args``, ``reason`` or the ``raise ... from`` chain), if that was it."""
    pending, seen = [exc], set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, webhook_urls.NonPublicAddress):
            return error
        pending += [inner for inner in (*error.args, getattr(error, "reason", None), error.__cause__,
                                        error.__context__) if isinstance(inner, BaseException)]
    return None


@transaction.atomic
def webhook_delivery_record(*, delivery: WebhookDelivery, attempt: DeliveryAttempt, status_code: int | None,
                            latency_ms: int, error: str, code: str = "", permanent: bool = False) -> DeliveryResult:
    """Close the attempt and move the delivery: delivered, retry later, or failed. What partners see
    of it (status code, latency, error) is read back from the attempt (``history``)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    now = timezone.now()
    delivered = status_code is not None and 200 <= status_code < 300
    if delivered:
        outcome = AttemptOutcome.ANSWERED
    else:
        outcome = AttemptOutcome.PERMANENT_ERROR if permanent else AttemptOutcome.TRANSIENT_ERROR
    if not job_attempt_close(attempt=attempt, outcome=outcome, finished_at=now, latency_ms=latency_ms,
                             http_status=status_code, error_code=code, error_message=error):
        return DeliveryResult(DeliveryOutcome.SKIPPED)
    if delivered:
        job_finish(job=delivery, status=JobStatus.DONE, now=now)
        result = DeliveryResult(DeliveryOutcome.DELIVERED)
    elif delivery.status == JobStatus.FAILED:  # cancelled while this attempt was in flight
        job_finish(job=delivery, status=JobStatus.FAILED, now=now)
        result = DeliveryResult(DeliveryOutcome.FAILED)
    elif permanent:
        job_finish(job=delivery, status=JobStatus.FAILED, now=now)
        result = DeliveryResult(DeliveryOutcome.FAILED)
    else:
        delay = job_retry_schedule(job=delivery, policy=delivery_job_policy(), now=now)
        if delay is not None:
            result = DeliveryResult(DeliveryOutcome.RETRY, retry_in=delay)
        else:
            job_finish(job=delivery, status=JobStatus.FAILED, now=now)
            result = DeliveryResult(DeliveryOutcome.FAILED)
    delivery.save()
    metrics.webhook_attempted(outcome=result.outcome.value, delivered_at=now if delivered else None,
                              created_at=delivery.created_at)
    return result


@transaction.atomic
def webhook_redeliver(*, key: PartnerApiKey, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an event again as a new delivery (same event id, fresh attempt budget), queued on commit.
    Refused (409 ``webhook_endpoint_inactive``) while its endpoint is inactive: it would be
    cancelled unsent."""
    if not delivery.endpoint.is_active:
        raise WebhookEndpointRefused(
            "webhook_endpoint_inactive",
            f"Webhook endpoint {delivery.endpoint_id} is inactive (deleted); reactivate it with "
            f"PATCH /api/v1/webhooks/endpoints/{delivery.endpoint_id} {{\"is_active\": true}} first.", status=409)
    copy = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint, case=delivery.case, event=delivery.event, event_id=delivery.event_id,
        payload=delivery.payload, redelivery_of=delivery, next_attempt_at=timezone.now())
    audit_record(action="webhook.redelivered", actor_label=actor_label_for(key), case=delivery.case,
                 details={"delivery": str(delivery.pk), "redelivery": str(copy.pk)})
    delivery_enqueue_on_commit(delivery_id=copy.pk)
    return copy


def webhook_delivery_ids_to_requeue(*, lost_after: timedelta | None = None) -> list:
    """Deliveries whose queued message was lost or whose worker died mid-attempt, each returned
    once per lost window (``liveness.jobs.services.job_ids_to_requeue``)."""
    return job_ids_to_requeue(model=WebhookDelivery, policy=delivery_job_policy(), lost_after=lost_after)
