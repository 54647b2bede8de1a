"""The transactional outbox: an event a partner can receive is written with the case move that
causes it, so no crash between that commit and the webhook deliveries can lose it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from kyc_portal.celery import app
from liveness.cases.models import CaseState, OutboxEvent
from liveness.cases.outbox import OUTBOX_RELAY_TASK, outbox_record
from liveness.cases.services import case_transition
from liveness.jobs.models import JobStatus
from liveness.partners.models import WebhookDelivery
from liveness.partners.webhooks.endpoints import webhook_endpoint_create
from tests.partners.webhook_receiver import receiver_start
from tests.conftest import wait_for
from tests.factories import CaseFactory, PartnerFactory

ROOT = Path(__file__).resolve().parents[2]

CRASH_AFTER_COMMIT = """
import os, sys, django
django.setup()
from django.db import transaction
from liveness.cases.models import Case
from liveness.cases.services import case_transition

case = Case.objects.get(pk=int(sys.argv[1]))
with transaction.atomic():
    # Registered first, so it runs first after the commit: the process dies before the case
    # move's own after-commit work (asking the relay to run) can happen.
    transaction.on_commit(lambda: os._exit(3))
    case_transition(case=case, to="approved", reason="crash test", actor_label="test")
"""


@pytest.fixture
def receiver():
    rec, server = receiver_start()
    yield rec
    server.shutdown()
    server.server_close()


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.worker
def test_a_process_killed_between_commit_and_delivery_still_delivers_each_event_once(celery_worker, receiver):
    partner = PartnerFactory()
    webhook_endpoint_create(partner=partner, url=receiver.url)
    case = CaseFactory(partner=partner, state=CaseState.PROCESSING)

    crashed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, str(case.pk)], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env={**os.environ, "DATABASE_URL": _database_url()})

    assert crashed.returncode == 3, crashed.stderr
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    [event] = OutboxEvent.objects.filter(case=case)
    assert event.relayed_at is None and not WebhookDelivery.objects.exists(), "nothing after the commit ran"

    celery_worker(queues="webhooks", pool="threads", concurrency=2)
    for _ in range(2):  # beat's periodic relay, twice: the second run finds nothing left to relay
        app.send_task(OUTBOX_RELAY_TASK)
    wait_for(lambda: WebhookDelivery.objects.filter(status=JobStatus.DONE).count() == 2, timeout=60,
             message="both events of the move to be delivered")
    time.sleep(2)  # room for a duplicate to show up

    assert sorted(json.loads(body)["event"] for _, body in receiver.requests) == ["case.checks_completed",
                                                                                 "case.decided"]
    event.refresh_from_db()
    assert event.relayed_at is not None and WebhookDelivery.objects.count() == 2


def test_the_event_commits_and_rolls_back_with_the_move(db):
    case = CaseFactory(partner=PartnerFactory(), state=CaseState.PROCESSING)

    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(case=case, to=CaseState.APPROVED, reason="rolled back", actor_label="test")
        raise RuntimeError("the caller failed after the move")

    assert not OutboxEvent.objects.exists()
    case_transition(case=case, to=CaseState.APPROVED, reason="kept", actor_label="test")
    [event] = OutboxEvent.objects.all()
    decision = event.payload.pop("decision")  # issue 18: the decision behind the state travels with the event
    assert event.payload == {"previous": "processing", "state": "approved", "reason": "kept", "actor": "test"}
    assert (decision["outcome"], decision["reason_code"], decision["decided_by"]) == (
        "approve", "checks_passed", "system")


def test_an_event_outside_a_transaction_is_refused(transactional_db):
    case = CaseFactory()

    with pytest.raises(RuntimeError, match="in the transaction of the change"):
        outbox_record(case=case, kind=OutboxEvent.CASE_STATE_CHANGED, payload={})
