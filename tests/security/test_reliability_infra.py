"""Infrastructure faults with real parts: the broker (a private ``redis-server``) restarted and
the database connections of a worker killed while vendor calls are in flight.

Real worker process, real PostgreSQL, real Redis, the vendor sandbox over HTTP (YouTu legacy
wire protocol). The sandbox holds each call with a ``latency`` fault so calls are in flight when
the fault strikes, and answers with its canned ``fixed`` success instead of running the engine,
so the timing does not depend on a busy machine's CPU.

The invariants, as in ``test_reliability.py``: every case leaves ``processing``, every check ends
with exactly one recorded answer, no check is left pending or in flight, and the sandbox's own
count of vendor calls equals the number of Attempt rows (no silent loss, no unrecorded call).
"""
from __future__ import annotations

import contextlib
import copy
import shutil
import signal
import socket
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.utils import timezone
from kombu.pools import ProducerPool

from kyc_portal.celery import app as celery_app
from liveness.cases.models import AuditEvent, Case, CaseKind, CaseState
from liveness.cases.services import case_open, case_transition, submission_accept
from liveness.checks import tasks
from liveness.checks.models import Attempt, Check, CheckStatus
from liveness.checks.services import (
    RunOutcome,
    check_claim,
    check_record_error,
    check_record_result,
    returned_photos_prepare,
)
from liveness.jobs.models import AttemptOutcome
from liveness.vendors.base import ProviderError, ProviderResult, Score
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
# Each worker test below takes 10-25 s: a worker process starts, calls are held VENDOR_MS each.

ENDPOINT = "/face/livedetectpicture"
# The sandbox's built-in YouTu demo account (tools/sandbox/youtu.py); both sides use it.
CREDS = {"appid": "1000001", "secret_id": "AKIDsandboxYoutuLegacy000000000000",
         "secret_key": "sandboxYoutuLegacySecretKey00000"}
VENDOR_MS = 2500  # how long the sandbox holds each vendor call


# --- a private Redis ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of this test's own, on a free port, that can be crashed and restarted.

    ``persistent``: an append-only file fsynced on every write (``appendfsync always``), as a
    production broker would be configured, so a crash (SIGKILL) loses no acknowledged write and
    the queues come back on restart. Not persistent: a restart comes back empty, as after losing
    the machine or a failover to a replica that had not caught up.
    """

    def __init__(self, directory: Path, *, persistent: bool) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (scripts/test installs it: apt-get install redis-server)")
        durability = (["--appendonly", "yes", "--appendfsync", "always"] if self.persistent
                      else ["--appendonly", "no"])
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", *durability, "--dir", str(self.directory), "--daemonize", "no",
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: self._pings(client), timeout=20, interval=0.05, message=f"redis-server on {self.port}")

    def _pings(self, client: redis.Redis) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"redis-server exited with {self.process.returncode}: {self.directory / 'redis.log'}")
        try:
            return client.ping()
        except redis.exceptions.RedisError:
            return False

    def crash(self) -> None:
        """SIGKILL: no shutdown save, connections reset, like a crashed host process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextlib.contextmanager
def _private_redis(tmp_path: Path, *, persistent: bool):
    server = PrivateRedis(tmp_path, persistent=persistent)
    server.start()
    try:
        with _celery_broker(server.url):
            yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _celery_broker(url: str):
    """Point this process's Celery producer (``check_enqueue``, ``control.ping``) at ``url``.

    The app read the broker URL from settings at import and caches a connection pool and a
    producer pool, which normally come from kombu's process-wide registry. Here the app gets
    pools of its own for ``url``, kept out of that registry (a later test may get the same free
    port) and closed on the way out; the configured broker's pools are left untouched, so the
    app picks them up again when the URLs are restored.
    """
    keys = ("broker_url", "broker_read_url", "broker_write_url")  # the last two were derived from the first
    previous = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(dict.fromkeys(keys, url))
    limit = celery_app.conf.broker_pool_limit
    connections = celery_app.connection_for_write().Pool(limit=limit)
    producers = ProducerPool(connections, limit=limit)
    celery_app._pool, celery_app.amqp._producer_pool = connections, producers
    try:
        yield
    finally:
        producers.force_close_all()
        connections.force_close_all()
        celery_app._pool = celery_app.amqp._producer_pool = None
        celery_app.conf.update(previous)


# --- the vendor in the sandbox -------------------------------------------------------------------

@pytest.fixture
def slow_vendor(settings, sandbox):
    """This process talks YouTu to the sandbox; each call is held VENDOR_MS, then answered with the
    sandbox's canned success. Returns the worker's environment for the same."""
    settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    providers = copy.deepcopy(settings.KYC_PROVIDERS)
    providers["youtu_legacy"].update(endpoint=sandbox.base_url, bucket="", timeout=10.0, **CREDS)
    settings.KYC_PROVIDERS = providers
    sandbox.add_fault("latency", ENDPOINT, ms=VENDOR_MS)
    sandbox.add_fault("fixed", ENDPOINT, ms=0)
    return {
        "KYC_SELFIE_PROVIDER": "youtu_legacy", "YOUTU_ENDPOINT": sandbox.base_url, "YOUTU_APPID": CREDS["appid"],
        "YOUTU_SECRET_ID": CREDS["secret_id"], "YOUTU_SECRET_KEY": CREDS["secret_key"], "YOUTU_BUCKET": "",
        "YOUTU_TIMEOUT": "10", "KYC_CHECK_RETRY_DELAYS": "1,1",
    }


@pytest.fixture(scope="module")
def selfie():
    from tests.mediagen import selfie_jpeg

    return selfie_jpeg()


def _submit(image: bytes) -> Case:
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    submission_accept(case=case, selfie=image, source="test", actor_label="test")
    return case


def _all_settled(cases: list[Case]) -> bool:
    return not Case.objects.filter(pk__in=[c.pk for c in cases], state=CaseState.PROCESSING).exists()


def _assert_every_case_finished_once(cases: list[Case], sandbox) -> None:
    """Each case decided, each check done with exactly one answered attempt, nothing left running,
    and one Attempt row per vendor call the sandbox saw."""
    for case in cases:
        case.refresh_from_db()
        assert case.state in {CaseState.APPROVED, CaseState.MANUAL_REVIEW}, (case.pk, case.state, case.state_reason)
        check = Check.objects.get(case=case)
        assert check.status == CheckStatus.DONE, (check.pk, check.status, check.error_code, check.error_message)
        outcomes = list(check.attempt_rows.values_list("outcome", flat=True))
        assert outcomes.count(AttemptOutcome.ANSWERED) == 1, (check.pk, outcomes)
        assert check.scores.count() >= 1 and check.request_id
    assert not Check.objects.filter(status__in=[CheckStatus.PENDING, CheckStatus.IN_FLIGHT]).exists()
    assert not Attempt.objects.filter(outcome=AttemptOutcome.STARTED).exists()
    assert sandbox.call_count(ENDPOINT) == Attempt.objects.count()


# --- 1. the broker restarts ------------------------------------------------------------------------

@pytest.mark.worker
def test_redis_crash_and_restart_with_persistence_loses_nothing(celery_worker, slow_vendor, sandbox, selfie, tmp_path):
    """A production-like broker (AOF, fsync always) is SIGKILLed with two vendor calls in flight
    and two messages queued, and restarted a second later. The worker reconnects by itself; the
    calls in flight are recorded and acknowledged against the restarted server (whose unacked
    index survived), the queued messages are still there and run. No sweep is needed."""
    with _private_redis(tmp_path, persistent=True) as broker:
        celery_worker(**slow_vendor, CELERY_BROKER_URL=broker.url, pool="threads", concurrency=2)
        cases = [_submit(selfie) for _ in range(4)]
        wait_for(lambda: sandbox.call_count(ENDPOINT) == 2, timeout=30, message="two vendor calls in flight")
        client = broker.client()
        assert client.llen("vendor") == 2 and client.hlen("unacked") == 2  # two queued, two being worked on

        broker.crash()
        time.sleep(1)
        broker.start()

        wait_for(lambda: _all_settled(cases), timeout=60, message="every case to be decided")
        _assert_every_case_finished_once(cases, sandbox)
        assert sandbox.call_count(ENDPOINT) == 4  # four cases, four vendor calls: none lost, none repeated
        # Every message was acknowledged: no queue left, nothing waiting to be redelivered later.
        client = broker.client()
        assert [client.llen(queue) for queue in ("vendor", "engine", "default", "webhooks")] == [0, 0, 0, 0]
        assert client.hlen("unacked") == 0


@pytest.mark.worker
def test_redis_restart_that_loses_every_message_is_recovered_by_the_sweep(celery_worker, slow_vendor, sandbox, selfie,
                                                                          tmp_path):
    """The harsher case: the broker comes back empty (no persistence, or a failover to a replica
    that had not caught up). Two queued messages are lost with it, and a submission accepted
    while it is down could not be queued at all. Those checks stay pending, never attempted,
    until the beat sweep ``checks_requeue_stuck`` queues them again; the calls that were in
    flight are recorded once."""
    with _private_redis(tmp_path, persistent=False) as broker:
        celery_worker(**slow_vendor, CELERY_BROKER_URL=broker.url, pool="threads", concurrency=2)
        cases = [_submit(selfie) for _ in range(4)]
        wait_for(lambda: sandbox.call_count(ENDPOINT) == 2, timeout=30, message="two vendor calls in flight")
        assert broker.client().llen("vendor") == 2

        broker.crash()
        cases.append(_submit(selfie))  # accepted (no error for the caller) while the broker is down
        assert Case.objects.get(pk=cases[-1].pk).state == CaseState.PROCESSING
        broker.start()
        assert broker.client().dbsize() == 0  # the restarted broker remembers nothing

        wait_for(lambda: Check.objects.filter(status=CheckStatus.DONE).count() == 2, timeout=30,
                 message="the calls in flight to be recorded")
        time.sleep(2)  # were any message left, the idle worker would have started it by now
        lost = Check.objects.filter(status=CheckStatus.PENDING)
        assert lost.count() == 3 and not Attempt.objects.filter(check_run__in=lost).exists()
        assert sandbox.call_count(ENDPOINT) == 2

        # The sweep takes pending checks nobody started within 120 s of their creation; age them
        # rather than sleep through it.
        lost.update(created_at=timezone.now() - timedelta(minutes=5))
        assert tasks.checks_requeue_stuck() == 3
        wait_for(lambda: _all_settled(cases), timeout=60, message="the swept checks to finish")
        _assert_every_case_finished_once(cases, sandbox)
        assert sandbox.call_count(ENDPOINT) == 5


def test_a_case_moved_while_the_broker_is_down_keeps_its_webhooks_for_the_sweep(django_capture_on_commit_callbacks):
    """The request that moves a case must not fail because its webhook could not be queued."""
    from liveness.partners.models import WebhookDelivery
    from liveness.partners.webhooks import delivery as webhook_delivery
    from liveness.partners.webhooks import endpoints as webhook_endpoints
    from tests.factories import CaseFactory, PartnerFactory

    partner = PartnerFactory()
    webhook_endpoints.webhook_endpoint_create(partner=partner, url="https://partner.example/hooks")
    case = CaseFactory(partner=partner)
    with _celery_broker(f"redis://127.0.0.1:{_free_port()}/0"):  # nothing listens there
        for state in (CaseState.PROCESSING, CaseState.APPROVED):
            with django_capture_on_commit_callbacks(execute=True):
                case_transition(case=case, to=state, reason="test", actor_label="test")

    case.refresh_from_db()
    pending = WebhookDelivery.objects.filter(case=case)
    assert case.state == CaseState.APPROVED and sorted(pending.values_list("event", flat=True)) == [
        "case.checks_completed", "case.decided"]
    assert set(webhook_delivery.webhook_delivery_ids_to_requeue(lost_after=timedelta(0))) == set(
        pending.values_list("pk", flat=True))


# --- 2. the database drops the worker's connections ---------------------------------------------------

def _terminate_other_backends() -> int:
    """What a PostgreSQL restart, a failover or a pooler recycling its connections does to the
    worker's sessions: every backend of this database except the test's own is terminated."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@contextlib.contextmanager
def _connections_refused():
    """The test database refuses new connections (the test's own stays open), as a database that
    is down would. Switched from the maintenance database: PostgreSQL will not let a session lock
    its own database out."""
    db = connection.settings_dict
    params = {"dbname": "postgres", "user": db["USER"], "host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432,
              "password": db["PASSWORD"] or None, "autocommit": True, "connect_timeout": 10}
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as admin:
        admin.execute(f'ALTER DATABASE "{db["NAME"]}" ALLOW_CONNECTIONS false')
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{db["NAME"]}" ALLOW_CONNECTIONS true')


@pytest.mark.worker
def test_database_connections_killed_during_vendor_calls_lose_no_answer(celery_worker, slow_vendor, sandbox, selfie):
    """Twice, while two vendor calls are in flight, the worker's database sessions are
    terminated. Each answer is saved on a new connection (_check_record) instead of
    being dropped with the task and fetched again from the vendor by the stale-check sweep."""
    worker = celery_worker(**slow_vendor, pool="threads", concurrency=2)
    cases = [_submit(selfie) for _ in range(4)]
    for calls in (2, 4):
        wait_for(lambda calls=calls: sandbox.call_count(ENDPOINT) == calls, timeout=30,
                 message=f"{calls} vendor calls started")
        time.sleep(0.3)  # both worker threads are now waiting on the vendor, their sessions idle
        assert _terminate_other_backends() >= 2

    wait_for(lambda: _all_settled(cases), timeout=60, message="every case to be decided")
    _assert_every_case_finished_once(cases, sandbox)
    assert sandbox.call_count(ENDPOINT) == 4
    log = Path(worker.log_path).read_text()
    assert log.count("saving the vendor's answer failed") == 4  # each of the four met a dead connection
    assert "raised unexpected" not in log


@pytest.mark.worker
def test_database_down_longer_than_the_record_retries_costs_one_explained_second_call(
        celery_worker, slow_vendor, sandbox, selfie):
    """If the database stays unreachable through every pause of RECORD_RETRY_DELAYS, the answer
    is lost with the task: the check stays in flight, its attempt ``started``. Once the database
    is back, the stale-check sweep runs the check again. The second vendor call is unavoidable
    and is on record: an ``abandoned`` attempt that says why, then the answered one."""
    worker = celery_worker(**slow_vendor)
    case = _submit(selfie)
    check = Check.objects.get(case=case)
    wait_for(lambda: sandbox.call_count(ENDPOINT) == 1, timeout=30, message="the vendor call to start")
    with _connections_refused():
        _terminate_other_backends()
        wait_for(lambda: "could not be saved" in Path(worker.log_path).read_text(), timeout=40,
                 message="the worker to give up saving the answer")
    check.refresh_from_db()
    assert check.status == CheckStatus.IN_FLIGHT
    assert list(check.attempt_rows.values_list("outcome", flat=True)) == [AttemptOutcome.STARTED]

    Check.objects.filter(pk=check.pk).update(claimed_at=timezone.now() - timedelta(hours=1))  # past STALE_AFTER
    assert tasks.checks_requeue_stuck() == 1
    wait_for(lambda: _all_settled([case]), timeout=45, message="the swept check to finish")

    check.refresh_from_db()
    attempts = list(check.attempt_rows.order_by("number"))
    assert [a.outcome for a in attempts] == [AttemptOutcome.ABANDONED, AttemptOutcome.ANSWERED]
    assert "could not save its answer" in attempts[0].error_message
    assert check.status == CheckStatus.DONE
    assert sandbox.call_count(ENDPOINT) == Attempt.objects.count() == 2


# --- saving twice writes once ------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_answer_or_error_saved_again_after_a_lost_commit_acknowledgement_is_written_once(selfie, settings):
    """The retry in _check_record may follow a commit that succeeded but whose
    acknowledgement was lost with the connection: the second save finds the attempt closed,
    writes nothing and reports the check as it stands."""
    settings.KYC_CHECK_RETRY_DELAYS = [0, 0]
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    submission_accept(case=case, selfie=selfie, source="test", actor_label="test")
    check, attempt = check_claim(check_id=Check.objects.get(case=case).pk, worker="test")
    error = ProviderError("busy", vendor="youtu", code="15", transient=True)

    first = check_record_error(check=check, attempt=attempt, error=error, latency_ms=5)
    again = check_record_error(check=check, attempt=attempt, error=error, latency_ms=5)
    assert first.outcome == again.outcome == RunOutcome.RETRY and again.retry_in == 0

    check, attempt = check_claim(check_id=check.pk, worker="test")
    result = ProviderResult(vendor="local", scores=[Score("liveness", 99.0)], request_id="req-1")
    photos = returned_photos_prepare(result=result, case_id=case.pk)
    first = check_record_result(check=check, attempt=attempt, result=result, latency_ms=5, photos=photos)
    again = check_record_result(check=check, attempt=attempt, result=result, latency_ms=5, photos=photos)

    assert first.outcome == again.outcome == RunOutcome.DONE
    check.refresh_from_db()
    assert check.status == CheckStatus.DONE and check.scores.count() == 1
    assert list(check.attempt_rows.order_by("number").values_list("outcome", flat=True)) == [
        AttemptOutcome.TRANSIENT_ERROR, AttemptOutcome.ANSWERED]
    assert AuditEvent.objects.filter(case=case, action="check.done").count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.transition", details__from="processing").count() == 1
