"""Issue 17 item 3: the broker goes away twice under load and the prefork worker survives.

A real prefork worker (the engine worker's pool) on a private ``redis-server`` that is crashed
(SIGKILL) and restarted twice while vendor calls are in flight and messages are queued. Before
the fix the worker died on the second outage ("Unrecoverable error: AttributeError 'NoneType'
object has no attribute 'hostname'": kombu restoring the unacknowledged messages of a channel
whose connection it had already closed). The contract: the worker process lives through both
outages, every case is decided with exactly one answered vendor call, none is lost, and the
partner API answers its JSON envelope to every request throughout.
"""
from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from liveness.cases.models import Case, CaseState
from liveness.checks import tasks
from liveness.checks.models import Check, CheckStatus
from tests.conftest import wait_for
from tests.security.test_reliability_infra import (
    ENDPOINT,
    _all_settled,
    _assert_every_case_finished_once,
    _private_redis,
    _submit,
    selfie,  # noqa: F401 (fixture)
    slow_vendor,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)

CASES = 8
DOWN_SECONDS = 2.0  # each outage: long enough for the worker's first reconnect attempt to fail


class _ApiProbe(threading.Thread):
    """Polls a partner API read every 0.2 s from another thread; records each status and whether
    the body was JSON, so the test can show the API answered throughout the outages."""

    def __init__(self, headers: dict[str, str], path: str) -> None:
        super().__init__(daemon=True)
        self.headers, self.path = headers, path
        self.answers: list[tuple[int, bool]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        from django.db import connection

        client = Client()
        try:
            while not self.stop.is_set():
                response = client.get(self.path, **self.headers)
                self.answers.append((response.status_code, response["Content-Type"].startswith("application/json")))
                time.sleep(0.2)
        finally:
            connection.close()


def _sweep_lost() -> None:
    """What beat's checks_requeue_stuck does after a broker came back empty: once the calls in
    flight are recorded, the checks whose messages were lost are queued again (aged past the
    sweep's window rather than waited for)."""
    wait_for(lambda: not Check.objects.filter(status=CheckStatus.IN_FLIGHT).exists(), timeout=60,
             message="the calls in flight to be recorded")
    lost = Check.objects.filter(status=CheckStatus.PENDING)
    every = set(lost.values_list("pk", flat=True))
    never_swept = set(lost.filter(requeued_at__isnull=True).values_list("pk", flat=True))
    long_ago = timezone.now() - timedelta(minutes=5)
    lost.update(created_at=long_ago)
    lost.filter(next_attempt_at__isnull=False).update(next_attempt_at=long_ago)  # throttled, then lost
    assert tasks.checks_requeue_stuck() == len(never_swept)
    # Swept after the first outage and lost again in the second: not queued again within the
    # sweep's window (no flood); once it has passed, they are.
    swept_before = every - never_swept
    assert tasks.checks_requeue_stuck() == 0
    Check.objects.filter(pk__in=swept_before).update(requeued_at=long_ago)
    assert tasks.checks_requeue_stuck() == len(swept_before)


@pytest.mark.worker
@pytest.mark.parametrize("persistent", [True, False], ids=["aof", "comes-back-empty"])
def test_prefork_worker_survives_two_broker_outages_under_load(celery_worker, slow_vendor, sandbox, selfie,  # noqa: F811
                                                               tmp_path, persistent):
    """``aof``: the broker keeps its queues (appendfsync always): nothing to sweep. ``comes-back-empty``:
    each restart loses the queued messages; the beat sweep (checks_requeue_stuck, aged instead of
    waited for) queues those checks again, and each is still called once."""
    from liveness.partners import keys as partner_keys
    from tests.factories import PartnerFactory

    _key, raw = partner_keys.key_create(partner=PartnerFactory(), is_test=False)
    probe = _ApiProbe({"HTTP_AUTHORIZATION": f"Bearer {raw}"}, "/api/v1/cases")
    with _private_redis(tmp_path, persistent=persistent) as broker:
        # Started as deploy/ starts it (--without-gossip --without-mingle, the fixture's default): with
        # gossip on, every reconnection logs "Error on restarting Gossip: AttributeError" (kombu#582).
        worker = celery_worker(**slow_vendor, CELERY_BROKER_URL=broker.url, pool="prefork", concurrency=2)
        cases = [_submit(selfie) for _ in range(CASES)]
        probe.start()
        for calls in (2, 4):  # each outage strikes with two calls in flight and messages queued
            wait_for(lambda calls=calls: sandbox.call_count(ENDPOINT) >= calls, timeout=60,
                     message=f"{calls} vendor calls started")
            broker.crash()
            time.sleep(DOWN_SECONDS)
            broker.start()
            assert worker.poll() is None, Path(worker.log_path).read_text()[-3000:]
            if not persistent:
                _sweep_lost()

        wait_for(lambda: _all_settled(cases) or worker.poll() is not None, timeout=120,
                 message="every case to be decided")
        probe.stop.set()
        probe.join(timeout=10)
        log = Path(worker.log_path).read_text()
        assert worker.poll() is None, log[-3000:]
        assert "Unrecoverable error" not in log
        _assert_every_case_finished_once(cases, sandbox)
        assert sandbox.call_count(ENDPOINT) == CASES
        client = broker.client()
        assert [client.llen(queue) for queue in ("vendor", "engine", "default", "webhooks")] == [0, 0, 0, 0]
        assert client.hlen("unacked") == 0
    assert Case.objects.filter(state=CaseState.PROCESSING).count() == 0
    assert probe.answers and {status for status, _ in probe.answers} == {200}
    assert all(is_json for _, is_json in probe.answers)


DOCUMENTED = ("README.md", "docs/deploy.md", "docs/scaling.md", "deploy/Procfile", "scripts/run",
              *(f"deploy/systemd/{unit}" for unit in ("kyc-worker-engine.service", "kyc-worker-vendor.service",
                                                       "kyc-worker-webhooks.service", "kyc-worker-default.service")))


def _worker_commands(text: str) -> list[str]:
    """Each ``celery ... worker`` command in ``text``, shell continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if re.search(r"celery.* -A kyc_portal worker", line)]


def test_every_documented_worker_command_runs_without_gossip():
    """Issue 17 item 3: the commands docs/deploy.md, the README and scripts/run gave started
    workers with gossip and mingle, whose restart after a broker outage fails (kombu#582)."""
    root = Path(__file__).resolve().parents[2]
    commands = {name: _worker_commands((root / name).read_text()) for name in DOCUMENTED}
    assert all(commands.values()), {name: found for name, found in commands.items() if not found}
    missing = [(name, command) for name, found in commands.items() for command in found
               if "--without-gossip" not in command or "--without-mingle" not in command]
    assert missing == []
