"""End to end with a real Celery worker process, real Redis and real PostgreSQL."""
import pytest

from liveness.cases import services
from liveness.cases.models import Case, CaseKind, CaseState
from liveness.checks.models import Attempt, Check, CheckStatus
from liveness.jobs.models import AttemptOutcome
from tests.conftest import wait_for
from tests.mediagen import selfie_jpeg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _submit(image: bytes) -> Case:
    case = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    services.submission_accept(case=case, selfie=image, source="test", actor_label="test")
    return case


def _settled(case: Case) -> Case | None:
    case.refresh_from_db()
    return case if case.state != CaseState.PROCESSING else None


def test_worker_runs_the_check_and_moves_the_case_to_its_final_state(celery_worker):
    celery_worker()

    case = _submit(selfie_jpeg())
    case = wait_for(lambda: _settled(case), timeout=90, message="the worker to decide the case")

    check = Check.objects.get(case=case)
    assert check.status == CheckStatus.DONE and check.attempts == 1
    assert check.scores.get(metric="liveness").threshold is not None
    assert case.state in {CaseState.APPROVED, CaseState.MANUAL_REVIEW}
    assert case.state == (CaseState.APPROVED if check.passed else CaseState.MANUAL_REVIEW)


def test_worker_turns_a_crashing_provider_into_a_visible_failed_check(celery_worker, settings):
    settings.KYC_SELFIE_PROVIDER = "tests.fault_providers.CrashingProvider"
    celery_worker()

    case = _submit(selfie_jpeg())
    case = wait_for(lambda: _settled(case), timeout=60, message="the worker to fail the check")

    check = Check.objects.get(case=case)
    assert check.status == CheckStatus.FAILED and check.error_code == "provider_crashed"
    assert "simulated provider bug" in check.error_message
    assert case.state == CaseState.MANUAL_REVIEW
    assert Attempt.objects.filter(check_run=check).count() == 1


def test_worker_retries_transient_errors_on_schedule_then_gives_up(celery_worker, settings):
    settings.KYC_SELFIE_PROVIDER = "tests.fault_providers.AlwaysRateLimitedProvider"
    celery_worker(KYC_CHECK_RETRY_DELAYS="1,1")

    case = _submit(selfie_jpeg())
    case = wait_for(lambda: _settled(case), timeout=60, message="retries to run out")

    check = Check.objects.get(case=case)
    assert check.status == CheckStatus.FAILED and check.attempts == 3
    assert list(check.attempt_rows.values_list("outcome", flat=True)) == [AttemptOutcome.TRANSIENT_ERROR] * 3
    assert case.state == CaseState.MANUAL_REVIEW


def test_healthz_is_ok_with_a_live_worker(celery_worker, client):
    celery_worker()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["broker"]["ok"]
    assert any(name.startswith("test-") for name in body["workers"]["detail"])
    # The probe returns at the first reply instead of always waiting out its 1-s collection window.
    assert body["workers"]["ms"] < 900
