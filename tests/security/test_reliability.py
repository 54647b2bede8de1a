"""Fault injection with real parts: a real Celery worker process, real Redis, real PostgreSQL
and the vendor sandbox over HTTP (YouTu legacy wire protocol).

The invariant under every fault: nothing is lost (the check ends ``done`` or ``failed`` with
an explanation, the case leaves ``processing``) and every vendor call is accounted for —
the sandbox's own call count equals the number of Attempt rows.
"""
import copy
import os
import signal
from datetime import timedelta

import pytest
from django.utils import timezone

from liveness.cases import services
from liveness.cases.models import Case, CaseKind, CaseState
from liveness.checks import tasks
from liveness.checks.models import Attempt, Check, CheckStatus
from liveness.jobs.models import AttemptOutcome
from liveness.vendors import get_provider
from liveness.vendors.base import Media
from tests.conftest import wait_for
from tests.mediagen import selfie_jpeg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

ENDPOINT = "/face/livedetectpicture"
# The sandbox's built-in YouTu demo account (tools/sandbox/youtu.py); both sides use it.
CREDS = {"appid": "1000001", "secret_id": "AKIDsandboxYoutuLegacy000000000000",
         "secret_key": "sandboxYoutuLegacySecretKey00000"}


@pytest.fixture(scope="module")
def selfie():
    return selfie_jpeg()


@pytest.fixture
def youtu(settings, sandbox, selfie):
    """Point this process (and the sandbox it hosts) at the sandbox; return the worker env."""
    settings.KYC_SELFIE_PROVIDER = "youtu_legacy"
    providers = copy.deepcopy(settings.KYC_PROVIDERS)
    providers["youtu_legacy"].update(endpoint=sandbox.base_url, bucket="", timeout=10.0, **CREDS)
    settings.KYC_PROVIDERS = providers
    # Warm the sandbox's engine in this process so the first worker call is not slowed by model loading.
    get_provider("youtu_legacy").check_selfie(image=Media(selfie, "image/jpeg", "selfie.jpg"))
    sandbox.reset()
    return {
        "KYC_SELFIE_PROVIDER": "youtu_legacy", "YOUTU_ENDPOINT": sandbox.base_url, "YOUTU_APPID": CREDS["appid"],
        "YOUTU_SECRET_ID": CREDS["secret_id"], "YOUTU_SECRET_KEY": CREDS["secret_key"], "YOUTU_BUCKET": "",
        "KYC_CHECK_RETRY_DELAYS": "1,1",
    }


def _submit(image: bytes) -> Case:
    case = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    services.submission_accept(case=case, selfie=image, source="test", actor_label="test")
    return case


def _settled(case: Case) -> Case | None:
    case.refresh_from_db()
    return case if case.state != CaseState.PROCESSING else None


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(p) for p in handle.read().split()]
        except FileNotFoundError:
            pass
    return found


def test_sigkill_mid_call_then_a_new_worker_finishes_and_every_call_is_accounted(celery_worker, youtu, sandbox, selfie):
    sandbox.add_fault("latency", ENDPOINT, times=1, ms=4000)
    first = celery_worker(**youtu)
    case = _submit(selfie)
    check = Check.objects.get(case=case)

    # The vendor call is in flight: the sandbox has it, the Attempt row was written before it.
    wait_for(lambda: sandbox.call_count(ENDPOINT) == 1, timeout=30, message="the vendor call to start")
    attempt = Attempt.objects.get(check_run=check)
    assert attempt.outcome == AttemptOutcome.STARTED
    for pid in _children(first.pid) + [first.pid]:
        os.kill(pid, signal.SIGKILL)
    first.wait(timeout=10)
    check.refresh_from_db()
    assert check.status == CheckStatus.IN_FLIGHT  # nobody recorded an answer

    # KYC_CHECK_STALE_AFTER is CELERY_TASK_TIME_LIMIT + 30 s; rather than sleep through it,
    # age the claim as if that time had passed (the same thing the clock would do).
    Check.objects.filter(pk=check.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    celery_worker(**youtu)
    assert tasks.checks_requeue_stuck() == 1  # the beat task finds the abandoned check

    case = wait_for(lambda: _settled(case), timeout=45, message="the new worker to finish the check")
    check.refresh_from_db()
    outcomes = list(check.attempt_rows.values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.ABANDONED, AttemptOutcome.ANSWERED]
    assert "stopped during this call" in check.attempt_rows.first().error_message
    assert check.status == CheckStatus.DONE and check.attempts == 2
    assert case.state in {CaseState.APPROVED, CaseState.MANUAL_REVIEW}
    assert sandbox.call_count() == Attempt.objects.count() == 2


# (fault kind, fault spec, expected status, expected attempt outcomes, expected error code)
SCENARIOS = [
    ("rate_limit", {"times": 1}, CheckStatus.DONE, ["transient_error", "answered"], ""),
    ("server_error", {}, CheckStatus.FAILED, ["transient_error"] * 3, "500"),
    ("timeout", {"times": 1, "ms": 8000}, CheckStatus.DONE, ["transient_error", "answered"], ""),
    ("malformed", {}, CheckStatus.FAILED, ["transient_error"] * 3, "malformed"),
]


def test_vendor_faults_through_the_real_worker_lose_nothing_and_every_call_is_counted(celery_worker, youtu, sandbox, selfie):
    celery_worker(**youtu, YOUTU_TIMEOUT="4")
    calls_before = 0
    for kind, spec, status, outcomes, code in SCENARIOS:
        sandbox.clear_faults()
        sandbox.add_fault(kind, ENDPOINT, **spec)
        case = _submit(selfie)
        case = wait_for(lambda case=case: _settled(case), timeout=60, message=f"the check under a {kind} fault to end")

        check = Check.objects.get(case=case)
        assert check.status == status, (kind, check.error_code, check.error_message)
        assert list(check.attempt_rows.values_list("outcome", flat=True)) == outcomes, kind
        calls = sandbox.call_count(ENDPOINT)
        assert calls - calls_before == len(outcomes), kind  # each vendor call has its Attempt row
        calls_before = calls
        if status == CheckStatus.FAILED:
            assert check.error_code == code and check.error_message and check.error_category, kind
            assert case.state == CaseState.MANUAL_REVIEW and case.state_reason, kind
        else:
            assert case.state in {CaseState.APPROVED, CaseState.MANUAL_REVIEW}
            assert all(a.error_message for a in check.attempt_rows.exclude(outcome=AttemptOutcome.ANSWERED)), kind
    sandbox.clear_faults()
    assert sandbox.call_count() == Attempt.objects.count()
