"""Queue routing: local-engine checks on "engine", vendor checks on "vendor", webhook deliveries on
"webhooks", the rest on "default".

Most tests run with no worker and read the broker's Redis lists (one list per queue), so they see
exactly where each message landed; one starts a worker that consumes "engine" only.
"""
import ast
import json
from datetime import datetime, timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from kyc_portal.celery import app
from liveness.cases import services
from liveness.cases.models import Case, CaseKind, CaseState
from liveness.checks import pacing as ratelimit
from liveness.checks.models import Check, CheckStatus
from liveness.checks.queue import check_queue
from liveness.checks.tasks import check_run_task, checks_requeue_stuck
from liveness.partners import tasks as api_tasks
from tests.conftest import wait_for
from tests.mediagen import selfie_jpeg

QUEUES = ("default", "engine", "vendor", "webhooks")
CHECK_TASK = "liveness.checks.tasks.check_run_task"


@pytest.fixture
def broker():
    """The test broker with the queue lists emptied (no worker is running)."""
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    client.delete(*QUEUES)
    yield client
    client.delete(*QUEUES)


def _messages(broker, queue: str) -> list[dict]:
    return [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]


def _queued_checks(broker) -> dict[str, list[int]]:
    """Queue -> ids of the checks whose check_run_task waits there."""
    return {queue: sorted(ast.literal_eval(m["headers"]["argsrepr"])[0] for m in _messages(broker, queue)
                          if m["headers"]["task"] == CHECK_TASK) for queue in QUEUES}


def _submit(provider: str, capture) -> Check:
    case = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    with capture(execute=True):  # run the on-commit enqueue as a real commit would
        services.submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test",
                                   provider_name=provider)
    return Check.objects.get(case=case)


def test_the_four_queues_are_declared_so_a_worker_without_q_consumes_them_all():
    assert app.conf.task_default_queue == "default"
    assert set(app.amqp.queues) == set(QUEUES)
    assert {q.name: q.routing_key for q in app.amqp.queues.values()} == {q: q for q in QUEUES}


@pytest.mark.parametrize(
    ("provider", "queue"),
    [("local", "engine"), ("youtu_legacy", "vendor"), ("tencent_iai", "vendor"), ("tencent_faceid", "vendor"),
     ("senseid", "vendor"), ("tests.fault_providers.CrashingProvider", "vendor")],
)
def test_each_provider_has_its_queue(provider, queue):
    assert check_queue(provider) == queue


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider", "queue"),
    [("local", "engine"), ("youtu_legacy", "vendor"), ("tencent_iai", "vendor"), ("senseid", "vendor"),
     ("tests.fault_providers.CrashingProvider", "vendor")],
)
def test_an_accepted_submission_queues_its_check_on_the_providers_queue(
        broker, django_capture_on_commit_callbacks, provider, queue):
    check = _submit(provider, django_capture_on_commit_callbacks)

    expected = {q: [] for q in QUEUES}
    expected[queue] = [check.pk]
    assert _queued_checks(broker) == expected


@pytest.mark.django_db
def test_a_queue_override_moves_a_providers_checks(broker, django_capture_on_commit_callbacks, settings):
    settings.KYC_CHECK_QUEUES = {**settings.KYC_CHECK_QUEUES, "local": "vendor"}

    check = _submit("local", django_capture_on_commit_callbacks)

    assert _queued_checks(broker)["vendor"] == [check.pk] and not _queued_checks(broker)["engine"]


@pytest.mark.django_db
def test_a_retry_goes_back_to_the_vendor_queue_with_its_countdown(broker, django_capture_on_commit_callbacks,
                                                                  settings):
    settings.KYC_CHECK_RETRY_DELAYS = [30, 60]
    check = _submit("tests.fault_providers.AlwaysRateLimitedProvider", django_capture_on_commit_callbacks)
    broker.delete(*QUEUES)

    assert check_run_task.apply((check.pk,)).get() == "retry"

    [message] = _messages(broker, "vendor")
    assert ast.literal_eval(message["headers"]["argsrepr"]) == (check.pk,)
    eta = datetime.fromisoformat(message["headers"]["eta"])
    assert 25 < (eta - timezone.now()).total_seconds() <= 30
    assert _queued_checks(broker)["engine"] == _queued_checks(broker)["default"] == []


@pytest.mark.django_db
def test_a_throttled_check_goes_back_to_its_queue_without_running(broker, django_capture_on_commit_callbacks,
                                                                   settings):
    settings.KYC_RATE_LIMITS = {**settings.KYC_RATE_LIMITS, "youtu_legacy": 0.1}
    limiter = ratelimit.limiter()
    limiter.reset("youtu_legacy")
    limiter.reserve("youtu_legacy", per_second=0.1, max_wait=2)  # the next slot is 10 s away
    check = _submit("youtu_legacy", django_capture_on_commit_callbacks)
    broker.delete(*QUEUES)
    try:
        assert check_run_task.apply((check.pk,)).get() == "throttled"
    finally:
        limiter.reset("youtu_legacy")

    [message] = _messages(broker, "vendor")
    assert ast.literal_eval(message["headers"]["argsrepr"]) == (check.pk,)
    assert message["headers"]["eta"]  # with a countdown, not straight away
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING and check.attempts == 0


@pytest.mark.django_db
def test_the_stuck_check_sweep_requeues_each_check_on_its_queue(broker, django_capture_on_commit_callbacks):
    local = _submit("local", django_capture_on_commit_callbacks)
    vendor = _submit("youtu_legacy", django_capture_on_commit_callbacks)
    Check.objects.filter(pk__in=[local.pk, vendor.pk]).update(created_at=timezone.now() - timedelta(hours=1))
    broker.delete(*QUEUES)

    assert checks_requeue_stuck() == 2

    assert _queued_checks(broker) == {"default": [], "engine": [local.pk], "vendor": [vendor.pk], "webhooks": []}


def test_webhook_deliveries_and_the_outbox_relay_go_to_the_webhooks_queue_and_other_beat_tasks_to_default(broker):
    api_tasks.webhook_deliver_task.delay("00000000-0000-0000-0000-000000000000")
    api_tasks.webhook_deliver_task.apply_async(("00000000-0000-0000-0000-000000000001",), countdown=10)  # a retry
    app.loader.import_default_modules()  # every app's tasks module, as a worker or beat imports them
    for entry in django_settings.CELERY_BEAT_SCHEDULE.values():
        app.tasks[entry["task"]].delay()

    relay = "liveness.partners.tasks.outbox_relay_task"
    names = [m["headers"]["task"] for m in _messages(broker, "default")]
    assert sorted(names) == sorted(e["task"] for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] != relay)
    webhooks = [m["headers"] for m in _messages(broker, "webhooks")]
    assert [(h["task"], h["argsrepr"]) for h in webhooks] == [
        (relay, "()"),
        ("liveness.partners.tasks.webhook_deliver_task", "('00000000-0000-0000-0000-000000000001',)"),
        ("liveness.partners.tasks.webhook_deliver_task", "('00000000-0000-0000-0000-000000000000',)")]
    assert not _messages(broker, "engine") and not _messages(broker, "vendor")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_engine_queue_runs_local_checks_and_leaves_vendor_checks_alone(celery_worker, broker):
    celery_worker(queues="engine")
    local = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    services.submission_accept(case=local, selfie=selfie_jpeg(), source="test", actor_label="test")
    vendor = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    services.submission_accept(case=vendor, selfie=selfie_jpeg(), source="test", actor_label="test",
                               provider_name="youtu_legacy")

    def settled(case: Case) -> bool:
        case.refresh_from_db()
        return case.state != CaseState.PROCESSING

    wait_for(lambda: settled(local), timeout=90, message="the engine worker to decide the local check")
    assert Check.objects.get(case=local).status == CheckStatus.DONE
    vendor_check = Check.objects.get(case=vendor)
    assert vendor_check.status == CheckStatus.PENDING and vendor_check.attempts == 0
    assert _queued_checks(broker)["vendor"] == [vendor_check.pk]  # still waiting for a vendor worker
