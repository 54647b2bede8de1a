"""A real worker process writes JSON lines carrying the request id that queued the task (message
headers) and the check and case ids, through the same redaction as the web tier."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from liveness.cases import services
from liveness.cases.models import CaseKind, CaseState
from liveness.checks.models import Check
from liveness.ops import context
from tests.conftest import wait_for
from tests.mediagen import selfie_jpeg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_the_worker_line_of_a_check_carries_the_web_request_id(celery_worker, settings):
    settings.KYC_SELFIE_PROVIDER = "tests.fault_providers.CrashingProvider"  # it logs with the traceback
    worker = celery_worker(LOG_FORMAT="json")

    case = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    with context.bound(request_id="req-from-web-0001"):
        services.submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test")

    def settled():
        case.refresh_from_db()
        return case.state != CaseState.PROCESSING or None

    wait_for(settled, timeout=60, message="the worker to fail the check")
    check = Check.objects.get(case=case)
    lines = [json.loads(line) for line in Path(worker.log_path).read_text().splitlines() if line.startswith("{")]
    raised = [line for line in lines if line["logger"] == "liveness.checks.services" and "raised" in line["message"]]
    assert raised, lines[-5:]
    assert raised[0]["request_id"] == "req-from-web-0001"
    assert raised[0]["check_id"] == str(check.pk) and raised[0]["case_id"] == str(case.pk)
    assert "simulated provider bug" in raised[0]["exc_info"]
