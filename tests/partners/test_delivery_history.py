"""A webhook delivery's "latest attempt" (last_status_code, last_latency_ms, last_error in
GET /api/v1/webhooks/deliveries) is read from its attempt rows, not kept as a second copy on the
delivery row; the answers partners get stay what they were, in every way a delivery can end."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liveness.cases import services
from liveness.cases.models import CaseState
from liveness.jobs.models import AttemptOutcome
from liveness.partners.models import WebhookDelivery
from liveness.partners.webhooks import delivery as webhook_delivery
from liveness.partners.webhooks import endpoints as webhook_endpoints
from liveness.partners.webhooks.endpoints import WEBHOOK_CANCELLED_ERROR
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
DELIVERIES = "/api/v1/webhooks/deliveries"
LAST = ("last_status_code", "last_latency_ms", "last_error")


@pytest.fixture
def endpoint(partner, receiver):
    return webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url)


def _deliveries(partner, count, capture) -> list[WebhookDelivery]:
    for _ in range(count):
        case = CaseFactory(partner=partner)
        for state in (CaseState.PROCESSING, CaseState.MANUAL_REVIEW):
            with capture(execute=True):
                services.case_transition(case=case, to=state, reason="test", actor_label="test")
    return list(WebhookDelivery.objects.order_by("created_at"))


def _listed(api, delivery) -> dict:
    items = {item["id"]: item for item in api.get(DELIVERIES, {"page_size": 200}).json()["results"]}
    return {key: items[str(delivery.pk)][key] for key in (*LAST, "status", "attempts")}


def test_the_delivery_row_keeps_no_copy_of_its_attempts():
    columns = {field.name for field in WebhookDelivery._meta.get_fields()}
    assert not columns & set(LAST)
    assert "cancelled_while" in columns


def test_each_way_a_delivery_ends_reads_the_same_from_its_attempts(api, partner, endpoint, receiver, queued,
                                                                   settings, django_capture_on_commit_callbacks):
    settings.KYC_WEBHOOK_RETRY_DELAYS = [0]  # two attempts in all
    fresh, retried, gave_up, delivered = _deliveries(partner, 4, django_capture_on_commit_callbacks)

    assert _listed(api, fresh) == {"last_status_code": None, "last_latency_ms": None, "last_error": "",
                                   "status": "pending", "attempts": 0}

    receiver.statuses = [503, 500, 502, 200]
    webhook_delivery.webhook_deliver(delivery_id=retried.pk)
    retried_item = _listed(api, retried)
    assert retried_item["last_status_code"] == 503 and retried_item["last_error"].startswith("HTTP 503: ")
    assert retried_item["status"] == "pending" and retried_item["last_latency_ms"] is not None

    for _ in range(2):
        WebhookDelivery.objects.filter(pk=gave_up.pk).update(next_attempt_at=timezone.now())
        webhook_delivery.webhook_deliver(delivery_id=gave_up.pk)
    gave_up_item = _listed(api, gave_up)
    assert gave_up_item["status"] == "failed" and gave_up_item["last_status_code"] == 502
    assert gave_up_item["last_error"].startswith("HTTP 502: ") and gave_up_item["last_error"].endswith(
        " (gave up after 2 attempts)")

    webhook_delivery.webhook_deliver(delivery_id=delivered.pk)
    delivered_item = _listed(api, delivered)
    assert delivered_item["last_latency_ms"] is not None
    assert {**delivered_item, "last_latency_ms": 0} == {"last_status_code": 200, "last_latency_ms": 0,
                                                         "last_error": "", "status": "delivered", "attempts": 1}

    # the endpoint is deleted: the one still pending (retried) is cancelled, in words, with its last answer kept
    webhook_endpoints.webhook_endpoint_delete(endpoint=endpoint, key=api.key, ip_address=None)
    cancelled = _listed(api, retried)
    assert cancelled["status"] == "failed" and cancelled["last_error"] == WEBHOOK_CANCELLED_ERROR
    assert cancelled["last_status_code"] == 503
    assert _listed(api, delivered)["status"] == "delivered", "a delivered one is not cancelled"


def test_a_delivery_whose_every_attempt_was_interrupted_says_so(api, partner, endpoint, queued, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.KYC_WEBHOOK_RETRY_DELAYS = []  # one attempt in all
    [delivery] = _deliveries(partner, 1, django_capture_on_commit_callbacks)
    webhook_delivery.webhook_delivery_claim(delivery_id=delivery.pk, worker="w1")  # the worker then dies
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timezone.timedelta(hours=1))

    assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.SKIPPED

    assert _listed(api, delivery) == {"last_status_code": None, "last_latency_ms": None,
                                      "last_error": webhook_delivery.ABANDONED_ERROR, "status": "failed",
                                      "attempts": 1}
    assert list(delivery.attempt_rows.values_list("outcome", flat=True)) == [AttemptOutcome.ABANDONED]


def test_an_attempt_answered_after_its_endpoint_was_deleted_is_reported_beside_the_cancellation(
        api, partner, endpoint, receiver, queued, django_capture_on_commit_callbacks):
    [delivery] = _deliveries(partner, 1, django_capture_on_commit_callbacks)
    delivery, attempt = webhook_delivery.webhook_delivery_claim(delivery_id=delivery.pk, worker="w1")
    webhook_endpoints.webhook_endpoint_delete(endpoint=endpoint, key=api.key, ip_address=None)
    assert _listed(api, delivery)["last_error"] == WEBHOOK_CANCELLED_ERROR, "while the attempt is in flight"

    webhook_delivery.webhook_delivery_record(delivery=delivery, attempt=attempt, status_code=503, latency_ms=12,
                                             error="HTTP 503: busy", code="http_503")

    assert _listed(api, delivery) == {
        "last_status_code": 503, "last_latency_ms": 12, "status": "failed", "attempts": 1,
        "last_error": f"{WEBHOOK_CANCELLED_ERROR}; the attempt in flight got: HTTP 503: busy"}


def test_listing_deliveries_reads_their_attempts_in_one_query(api, partner, endpoint, receiver, queued,
                                                             django_capture_on_commit_callbacks):
    deliveries = _deliveries(partner, 3, django_capture_on_commit_callbacks)
    for delivery in deliveries:
        webhook_delivery.webhook_deliver(delivery_id=delivery.pk)
    api.get(DELIVERIES)  # warm the key's caches

    with CaptureQueriesContext(connection) as one:
        api.get(DELIVERIES)
    more = _deliveries(partner, 3, django_capture_on_commit_callbacks)[3:]
    for delivery in more:
        webhook_delivery.webhook_deliver(delivery_id=delivery.pk)
    with CaptureQueriesContext(connection) as many:
        body = api.get(DELIVERIES).json()

    assert len(body["results"]) == 6 and all(item["last_status_code"] == 200 for item in body["results"])
    assert len(many.captured_queries) == len(one.captured_queries), "no query per delivery"
