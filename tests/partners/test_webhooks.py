"""Webhooks: which moves raise which events, signed delivery to a real HTTP receiver, retries, redelivery."""
import hashlib
import hmac
import json
import time

import pytest
from django.utils import timezone

from liveness.cases import services
from liveness.cases.models import AuditEvent, Case, CaseState
from liveness.jobs.models import JobStatus
from liveness.partners import tasks as api_tasks
from liveness.partners.models import WebhookDelivery, WebhookEndpoint
from liveness.partners.webhooks import delivery as webhook_delivery
from liveness.partners.webhooks import endpoints as webhook_endpoints
from liveness.partners.webhooks import wire as webhooks
from liveness.partners.webhooks.history import delivery_last_attempt
from tests.partners.webhook_receiver import receiver_start, signature_valid
from tests.conftest import wait_for
from tests.factories import CaseFactory, PartnerFactory

pytestmark = pytest.mark.django_db

DELIVERIES = "/api/v1/webhooks/deliveries"


def last(delivery):
    """What partners see as the delivery's latest attempt (read from its attempt rows)."""
    delivery.refresh_from_db()
    return delivery_last_attempt(delivery=delivery)


@pytest.fixture
def endpoint(partner, receiver):
    return webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url)


def _move(case, *states, capture):
    for state in states:
        with capture(execute=True):
            services.case_transition(case=case, to=state, reason="test", actor_label="test")


# --- events ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, events", [
    ([CaseState.PROCESSING], []),
    ([CaseState.PROCESSING, CaseState.APPROVED], ["case.checks_completed", "case.decided"]),
    ([CaseState.PROCESSING, CaseState.RETAKE_REQUESTED], ["case.checks_completed", "case.retake_requested"]),
    ([CaseState.PROCESSING, CaseState.MANUAL_REVIEW], ["case.checks_completed"]),
    ([CaseState.PROCESSING, CaseState.MANUAL_REVIEW, CaseState.REJECTED], ["case.checks_completed", "case.decided"]),
])
def test_case_moves_raise_the_documented_events(partner, endpoint, queued, django_capture_on_commit_callbacks,
                                                path, events):
    case = CaseFactory(partner=partner, reference="cust-7")

    _move(case, *path, capture=django_capture_on_commit_callbacks)

    deliveries = list(WebhookDelivery.objects.order_by("created_at", "event"))
    assert sorted(d.event for d in deliveries) == sorted(events)
    assert sorted(queued) == sorted(str(d.pk) for d in deliveries), "each queued once, after commit"
    for delivery in deliveries:
        payload = delivery.payload
        assert payload["event"] == delivery.event and payload["case_id"] == str(case.public_id)
        assert payload["reference"] == "cust-7" and payload["id"] == str(delivery.event_id)
        assert payload["state"] in {s.value for s in path} and payload["timestamp"].endswith("Z")


def test_an_endpoint_gets_only_the_events_it_subscribed_to(partner, receiver, queued,
                                                           django_capture_on_commit_callbacks):
    webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url, events=["case.decided"])
    case = CaseFactory(partner=partner)

    _move(case, CaseState.PROCESSING, CaseState.APPROVED, capture=django_capture_on_commit_callbacks)

    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["case.decided"]


def test_no_webhooks_for_other_partners_inactive_endpoints_or_cases_outside_the_api(
        partner, other_partner, receiver, queued, django_capture_on_commit_callbacks):
    webhook_endpoints.webhook_endpoint_create(partner=other_partner, url=receiver.url)
    inactive = webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url)
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(is_active=False)

    _move(CaseFactory(partner=partner), CaseState.PROCESSING, CaseState.APPROVED,
          capture=django_capture_on_commit_callbacks)
    _move(CaseFactory(partner=None), CaseState.PROCESSING, CaseState.APPROVED,
          capture=django_capture_on_commit_callbacks)

    assert not WebhookDelivery.objects.exists() and not queued


def test_a_relay_failure_never_breaks_the_transition_and_the_next_relay_delivers_once(
        partner, endpoint, queued, monkeypatch, caplog, django_capture_on_commit_callbacks):
    from liveness.cases.models import OutboxEvent
    from liveness.partners.webhooks import relay

    def broken(event):
        raise RuntimeError("boom")

    monkeypatch.setattr(relay, "_deliveries_create", broken)
    case = CaseFactory(partner=partner)

    _move(case, CaseState.PROCESSING, CaseState.APPROVED, capture=django_capture_on_commit_callbacks)

    case.refresh_from_db()
    assert case.state == CaseState.APPROVED and "boom" in caplog.text
    assert OutboxEvent.objects.filter(case=case, relayed_at__isnull=True).count() == 2
    assert not WebhookDelivery.objects.exists()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert relay.outbox_relay() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert relay.outbox_relay() == 0
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == ["case.checks_completed",
                                                                               "case.decided"]


def test_unknown_events_are_refused_when_registering():
    from tests.factories import PartnerFactory

    with pytest.raises(ValueError, match="unknown webhook events"):
        webhook_endpoints.webhook_endpoint_create(partner=PartnerFactory(), url="http://x.test/", events=["case.exploded"])


# --- delivery ----------------------------------------------------------------------------

@pytest.fixture
def delivery(partner, endpoint, queued, django_capture_on_commit_callbacks):
    case = CaseFactory(partner=partner, reference="cust-9")
    _move(case, CaseState.PROCESSING, CaseState.MANUAL_REVIEW, capture=django_capture_on_commit_callbacks)
    return WebhookDelivery.objects.get()


def test_a_delivery_is_signed_and_the_receiver_can_verify_it(delivery, endpoint, receiver):
    result = webhook_delivery.webhook_deliver(delivery_id=delivery.pk)

    assert result.outcome is webhook_delivery.DeliveryOutcome.DELIVERED
    [(headers, body)] = receiver.requests
    assert signature_valid(endpoint.secret, headers, body)
    assert not signature_valid("whsec_wrong", headers, body)
    assert not signature_valid(endpoint.secret, headers, body.replace(b"manual_review", b"approved"))
    payload = json.loads(body)
    assert payload == delivery.payload and payload["state"] == "manual_review"
    assert headers["content-type"] == "application/json" and headers["x-kyc-event"] == "case.checks_completed"
    assert headers["x-kyc-delivery"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == JobStatus.DONE and delivery.attempts == 1
    assert last(delivery).status_code == 200 and last(delivery).latency_ms is not None and delivery.delivered_at
    assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.SKIPPED
    assert len(receiver.requests) == 1, "a delivered event is not sent again"


def test_the_signature_helpers_match_the_documented_scheme(endpoint):
    body = b'{"a":1}'
    header = webhooks.signature_make(secret="s3cret", timestamp=1700000000, body=body)

    assert header == "v1=" + hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature_verify(secret="s3cret", timestamp="1700000000", body=body, signature=header,
                                     now=1700000100)
    assert not webhooks.signature_verify(secret="s3cret", timestamp="1700000000", body=body, signature=header,
                                         now=1700000000 + 301), "stale timestamps are refused"
    assert not webhooks.signature_verify(secret="s3cret", timestamp="nope", body=body, signature=header)


def test_a_failing_receiver_is_retried_on_the_growing_schedule_then_the_delivery_fails(delivery, receiver):
    receiver.statuses = [500] * 20
    schedule = []

    for _ in range(20):
        result = webhook_delivery.webhook_deliver(delivery_id=delivery.pk)
        if result.outcome is not webhook_delivery.DeliveryOutcome.RETRY:
            break
        schedule.append(result.retry_in)
        delivery.refresh_from_db()
        assert delivery.next_attempt_at >= timezone.now() + timezone.timedelta(seconds=result.retry_in - 2)
        assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.SKIPPED
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes

    assert result.outcome is webhook_delivery.DeliveryOutcome.FAILED
    assert schedule == [10, 60, 300, 1800, 7200, 21600, 43200] and sum(schedule) > 20 * 3600
    assert len(receiver.requests) == 8
    delivery.refresh_from_db()
    assert delivery.status == JobStatus.FAILED and delivery.attempts == 8
    assert last(delivery).status_code == 500 and "gave up after 8 attempts" in last(delivery).error


def test_a_receiver_that_recovers_gets_the_event_on_the_next_attempt(delivery, receiver):
    receiver.statuses = [503, 500]

    outcomes = []
    for _ in range(3):
        outcomes.append(webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())

    assert outcomes[:2] == [webhook_delivery.DeliveryOutcome.RETRY] * 2
    assert outcomes[2] is webhook_delivery.DeliveryOutcome.DELIVERED
    assert len({json.loads(body)["id"] for _, body in receiver.requests}) == 1, "same event id on every attempt"
    assert len({headers["x-kyc-delivery"] for headers, _ in receiver.requests}) == 1


def test_a_slow_receiver_times_out_and_is_retried(delivery, receiver, settings):
    settings.KYC_WEBHOOK_TIMEOUT = 0.2
    receiver.delay = 1.0

    result = webhook_delivery.webhook_deliver(delivery_id=delivery.pk)

    assert result.outcome is webhook_delivery.DeliveryOutcome.RETRY and result.retry_in == 10
    delivery.refresh_from_db()
    assert last(delivery).error == "timed out" and last(delivery).status_code is None
    assert delivery.claimed_at is None


def test_an_unreachable_receiver_is_recorded_and_retried(delivery, endpoint):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/closed")

    result = webhook_delivery.webhook_deliver(delivery_id=delivery.pk)

    assert result.outcome is webhook_delivery.DeliveryOutcome.RETRY
    delivery.refresh_from_db()
    assert "ConnectionError" in last(delivery).error


def test_the_task_requeues_itself_with_the_schedules_countdown(delivery, receiver, monkeypatch):
    receiver.statuses = [500]
    requeued = []
    monkeypatch.setattr(api_tasks.webhook_deliver_task, "apply_async",
                        lambda args, countdown: requeued.append((args, countdown)))

    assert api_tasks.webhook_deliver_task(str(delivery.pk)) == "retry"
    assert requeued == [((str(delivery.pk),), 10)]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert api_tasks.webhook_deliver_task(str(delivery.pk)) == "delivered"
    assert len(requeued) == 1


def test_an_attempt_in_flight_is_not_taken_twice_but_a_stale_one_is_with_its_attempt_abandoned(delivery, receiver):
    from liveness.jobs.models import AttemptOutcome

    delivery, first = webhook_delivery.webhook_delivery_claim(delivery_id=delivery.pk, worker="w1")
    assert first.outcome == AttemptOutcome.STARTED and first.number == 1, "the attempt row exists before the POST"
    assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.SKIPPED
    assert webhook_delivery.webhook_delivery_ids_to_requeue() == []

    long_ago = timezone.now() - timezone.timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_at=long_ago)
    assert webhook_delivery.webhook_delivery_ids_to_requeue() == [delivery.pk]
    assert webhook_delivery.webhook_delivery_ids_to_requeue() == [], "queued again once per window, not per sweep"
    assert webhook_delivery.webhook_deliver(delivery_id=delivery.pk).outcome is webhook_delivery.DeliveryOutcome.DELIVERED

    rows = list(delivery.attempt_rows.order_by("number").values_list("number", "outcome", "http_status"))
    assert rows == [(1, AttemptOutcome.ABANDONED, None), (2, AttemptOutcome.ANSWERED, 200)]


# --- the API over deliveries ----------------------------------------------------------------

def test_deliveries_are_listed_with_their_latest_attempt_own_only(api, other_api, delivery, receiver):
    receiver.statuses = [500]
    webhook_delivery.webhook_deliver(delivery_id=delivery.pk)

    body = api.get(DELIVERIES).json()

    [item] = body["results"]
    assert item["id"] == str(delivery.pk) and item["event"] == "case.checks_completed"
    assert item["status"] == "pending" and item["attempts"] == 1 and item["last_status_code"] == 500
    [attempt] = item["attempt_log"]
    assert attempt["number"] == 1 and attempt["outcome"] == "transient_error" and attempt["http_status"] == 500
    assert attempt["error_code"] == "http_500" and attempt["latency_ms"] is not None
    assert item["case_id"] == delivery.payload["case_id"] and item["endpoint_url"] == receiver.url
    assert api.get(DELIVERIES, {"status": "delivered"}).json()["count"] == 0
    assert api.get(DELIVERIES, {"status": "bogus"}).status_code == 400
    assert other_api.get(DELIVERIES).json()["count"] == 0


def test_redeliver_sends_the_same_event_again_as_a_new_delivery(api, partner, delivery, receiver, queued,
                                                                 django_capture_on_commit_callbacks):
    webhook_delivery.webhook_deliver(delivery_id=delivery.pk)
    queued.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{DELIVERIES}/{delivery.pk}/redeliver")

    assert response.status_code == 202
    copy = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert copy.event_id == delivery.event_id and copy.payload == delivery.payload and copy.redelivery_of == delivery
    assert copy.status == JobStatus.PENDING and queued == [str(copy.pk)]
    assert AuditEvent.objects.filter(action="webhook.redelivered", actor_label=f"partner:{partner.pk}").exists()
    assert webhook_delivery.webhook_deliver(delivery_id=copy.pk).outcome is webhook_delivery.DeliveryOutcome.DELIVERED
    assert json.loads(receiver.requests[0][1]) == json.loads(receiver.requests[1][1])


def test_another_partners_delivery_cannot_be_redelivered(other_api, delivery, queued):
    queued.clear()
    for delivery_id in (delivery.pk, "not-a-uuid"):
        response = other_api.post(f"{DELIVERIES}/{delivery_id}/redeliver")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert WebhookDelivery.objects.count() == 1 and not queued


def test_the_webhook_management_command_prints_the_secret(partner):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("partner_webhook_create", partner.name, "https://acme.example/hook", "--events", "case.decided",
                 stdout=out, stderr=io.StringIO())

    endpoint = WebhookEndpoint.objects.get()
    assert out.getvalue().strip() == endpoint.secret and endpoint.events == ["case.decided"]


# --- the webhooks queue, through a real worker ----------------------------------------------------

@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_partner_whose_endpoint_hangs_does_not_hold_up_another_partners_webhooks(celery_worker):
    """Deliveries run on their own queue ("webhooks") in a threads pool: six deliveries stuck on
    one partner's endpoint for the whole timeout take six threads, not the queue. (On the old
    "default" queue's two processes, the other partner waited for three timeouts in a row.)"""
    hanging, hanging_server = receiver_start()
    fast, fast_server = receiver_start()
    hanging.delay = 6.0
    try:
        slow_partner, other_partner = PartnerFactory(), PartnerFactory()
        webhook_endpoints.webhook_endpoint_create(partner=slow_partner, url=hanging.url)
        webhook_endpoints.webhook_endpoint_create(partner=other_partner, url=fast.url)
        celery_worker(queues="webhooks", pool="threads", concurrency=8, KYC_WEBHOOK_TIMEOUT="4")
        for _ in range(6):
            services.case_transition(case=CaseFactory(partner=slow_partner), to=CaseState.PROCESSING,
                                     reason="test", actor_label="test")
        slow_cases = list(Case.objects.filter(partner=slow_partner))
        for case in slow_cases:
            services.case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="test", actor_label="test")
        wait_for(lambda: len(hanging.requests) == 6, timeout=20, message="the hanging endpoint to hold 6 deliveries")

        case = CaseFactory(partner=other_partner)
        services.case_transition(case=case, to=CaseState.PROCESSING, reason="test", actor_label="test")
        sent = time.monotonic()
        services.case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="test", actor_label="test")
        wait_for(lambda: fast.requests, timeout=20, message="the other partner's delivery")
        waited = time.monotonic() - sent

        assert waited < 2.0, f"the other partner waited {waited:.1f} s behind the hanging endpoint"
        wait_for(lambda: WebhookDelivery.objects.get(case=case).status == JobStatus.DONE,
                 timeout=5, message="the other partner's delivery to be recorded")
        # The hanging ones time out (4 s) and are scheduled again: visible, not lost.
        wait_for(lambda: WebhookDelivery.objects.filter(case__in=slow_cases, attempts=1, claimed_at__isnull=True,
                                                        attempt_rows__error_message="timed out").count() == 6,
                 timeout=20, message="the 6 hanging deliveries to time out and wait for their retry")
    finally:
        for server in (hanging_server, fast_server):
            server.shutdown()
            server.server_close()
