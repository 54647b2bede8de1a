"""The pipeline in one process: accept → on_commit → check_run → policy, and every failure path."""
from datetime import timedelta

import pytest
from django.utils import timezone

from liveness.cases.models import AuditEvent, Case, CaseKind, CaseState, Submission
from liveness.cases.services import (
    PIPELINE,
    SubmissionRefused,
    case_open,
    submission_accept,
)
from liveness.checks.models import Attempt, Check, CheckStatus, ThresholdPolicy
from liveness.checks.queue import _enqueue_check
from liveness.checks.services import RunOutcome, check_claim, check_run
from liveness.jobs.models import AttemptOutcome
from liveness.media.files import MediaRejected
from liveness.media.models import MediaBlob
from tests.mediagen import selfie_jpeg

pytestmark = pytest.mark.django_db

CRASHING = "tests.fault_providers.CrashingProvider"
RATE_LIMITED = "tests.fault_providers.AlwaysRateLimitedProvider"


def _queued_checks(callbacks) -> list[int]:
    return [cb.args[0] for cb in callbacks if getattr(cb, "func", None) is _enqueue_check]


def _submit_selfie(django_capture_on_commit_callbacks, image=None) -> tuple[Case, Check]:
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    with django_capture_on_commit_callbacks() as callbacks:
        submission = submission_accept(case=case, selfie=image or selfie_jpeg(), source="test",
                                                actor_label="test")
    assert _queued_checks(callbacks) == [submission.checks.get().pk], "the check is queued once, after commit"
    case.refresh_from_db()
    return case, submission.checks.get()


def test_accepting_a_selfie_stores_it_encrypted_and_moves_case_to_processing(django_capture_on_commit_callbacks):
    case, check = _submit_selfie(django_capture_on_commit_callbacks)

    assert case.state == CaseState.PROCESSING
    assert check.status == CheckStatus.PENDING and check.provider == "local"
    assert MediaBlob.objects.filter(kind="selfie").count() == 1
    assert AuditEvent.objects.filter(case=case, action="submission.accepted").exists()


def test_refused_upload_leaves_nothing_behind():
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")

    with pytest.raises(MediaRejected):
        submission_accept(case=case, selfie=b"GIF89a....", source="test", actor_label="test")

    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_SUBMISSION
    assert not Submission.objects.exists() and not MediaBlob.objects.exists()


def test_a_processing_case_refuses_a_second_submission(django_capture_on_commit_callbacks):
    case, _ = _submit_selfie(django_capture_on_commit_callbacks)

    with pytest.raises(SubmissionRefused) as caught:
        submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test")
    assert caught.value.code == "case_not_accepting"


def test_real_face_is_scored_against_a_versioned_threshold_and_the_case_decided(django_capture_on_commit_callbacks):
    case, check = _submit_selfie(django_capture_on_commit_callbacks)

    result = check_run(check_id=check.pk, worker="test")

    assert result.outcome is RunOutcome.DONE
    check.refresh_from_db()
    case.refresh_from_db()
    score = check.scores.get(metric="liveness")
    policy = ThresholdPolicy.objects.get(provider="local", metric="liveness")
    assert 0 <= score.value <= 100 and score.policy == policy and score.threshold == policy.value
    assert score.passed == (score.value >= policy.value)
    assert check.status == CheckStatus.DONE and check.attempts == 1 and check.latency_ms is not None
    assert list(check.attempt_rows.values_list("outcome", flat=True)) == [AttemptOutcome.ANSWERED]
    expected = CaseState.APPROVED if check.passed else CaseState.MANUAL_REVIEW
    assert case.state == expected
    assert case.state_changed_by_label == PIPELINE


def test_no_face_asks_the_user_for_a_retake_with_the_reason(django_capture_on_commit_callbacks):
    case, check = _submit_selfie(django_capture_on_commit_callbacks, image=selfie_jpeg(no_face=True))

    check_run(check_id=check.pk, worker="test")

    check.refresh_from_db()
    case.refresh_from_db()
    assert check.status == CheckStatus.DONE and check.passed is False
    assert check.error_code == "LOCAL_NO_FACE" and check.error_category == "user_fixable"
    assert case.state == CaseState.RETAKE_REQUESTED
    assert "LOCAL_NO_FACE" in case.state_reason


def test_a_done_check_is_never_run_twice(django_capture_on_commit_callbacks):
    _, check = _submit_selfie(django_capture_on_commit_callbacks)
    check_run(check_id=check.pk, worker="test")

    again = check_run(check_id=check.pk, worker="test")

    assert again.outcome is RunOutcome.SKIPPED
    assert Attempt.objects.filter(check_run=check).count() == 1


def test_an_in_flight_check_is_skipped_until_it_goes_stale(django_capture_on_commit_callbacks, settings):
    _, check = _submit_selfie(django_capture_on_commit_callbacks)
    claimed = check_claim(check_id=check.pk, worker="dead-worker")
    assert claimed is not None

    assert check_run(check_id=check.pk, worker="other").outcome is RunOutcome.SKIPPED

    Check.objects.filter(pk=check.pk).update(claimed_at=timezone.now() - timedelta(seconds=settings.KYC_CHECK_STALE_AFTER + 1))
    assert check_run(check_id=check.pk, worker="other").outcome is RunOutcome.DONE
    outcomes = list(Attempt.objects.filter(check_run=check).values_list("outcome", flat=True))
    assert outcomes == [AttemptOutcome.ABANDONED, AttemptOutcome.ANSWERED]


def test_transient_errors_are_retried_on_schedule_then_fail_visibly(django_capture_on_commit_callbacks, settings):
    settings.KYC_SELFIE_PROVIDER = RATE_LIMITED
    settings.KYC_CHECK_RETRY_DELAYS = [5, 30]
    case, check = _submit_selfie(django_capture_on_commit_callbacks)

    first = check_run(check_id=check.pk, worker="test")
    assert (first.outcome, first.retry_in) == (RunOutcome.RETRY, 5)
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING and check.next_attempt_at > timezone.now()
    # an early duplicate delivery does not jump the schedule
    assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.SKIPPED

    Check.objects.filter(pk=check.pk).update(next_attempt_at=timezone.now())
    assert check_run(check_id=check.pk, worker="test").retry_in == 30
    Check.objects.filter(pk=check.pk).update(next_attempt_at=timezone.now())
    assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.FAILED

    check.refresh_from_db()
    case.refresh_from_db()
    assert check.status == CheckStatus.FAILED and check.attempts == 3
    assert check.error_code == "15" and check.error_category == "transient"
    assert "gave up after 3 attempts" in check.error_message
    assert case.state == CaseState.MANUAL_REVIEW
    assert Attempt.objects.filter(check_run=check, outcome=AttemptOutcome.TRANSIENT_ERROR).count() == 3


def test_a_crashing_provider_fails_once_without_retry(django_capture_on_commit_callbacks, settings):
    settings.KYC_SELFIE_PROVIDER = CRASHING
    case, check = _submit_selfie(django_capture_on_commit_callbacks)

    assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.FAILED

    check.refresh_from_db()
    case.refresh_from_db()
    assert check.attempts == 1 and check.error_code == "provider_crashed"
    assert check.error_category == "configuration"  # a known catalogue entry: an operator must look
    assert "simulated provider bug" in check.error_message
    assert case.state == CaseState.MANUAL_REVIEW


def test_returned_photos_are_stored_re_encoded_and_a_corrupt_one_costs_only_a_finding(
        django_capture_on_commit_callbacks, settings):
    settings.KYC_SELFIE_PROVIDER = "tests.fault_providers.CorruptReturnedPhotoProvider"
    case, check = _submit_selfie(django_capture_on_commit_callbacks)

    assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.DONE

    check.refresh_from_db()
    assert check.status == CheckStatus.DONE and check.face_crop is None
    assert check.best_frame is not None and check.best_frame.content_type == "image/jpeg"
    selfie = check.submission.selfie
    assert (check.best_frame.width, check.best_frame.height) == (selfie.width, selfie.height) > (0, 0)
    assert any(f.startswith("returned face_crop could not be stored:") for f in check.findings), check.findings
    assert check.attempt_rows.get().outcome == AttemptOutcome.ANSWERED


def test_photos_returned_after_the_person_withdrew_their_consent_are_never_kept(
        django_capture_on_commit_callbacks, settings):
    from django.core.files.storage import default_storage

    from liveness.cases.consent import case_consent_record

    settings.KYC_SELFIE_PROVIDER = "tests.fault_providers.WithdrawnDuringCallProvider"
    case, check = _submit_selfie(django_capture_on_commit_callbacks)
    case_consent_record(case=case, notice_version="2", source="partner_api", actor_label="partner")
    stored = {blob.file.name for blob in MediaBlob.objects.all()}

    with django_capture_on_commit_callbacks(execute=True):
        assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.DONE

    check.refresh_from_db()
    assert check.best_frame is None and "the person withdrew their consent" in " ".join(check.findings)
    assert not MediaBlob.objects.exclude(file__in=stored).exists(), "no row for the returned photo"
    assert not any(default_storage.exists(name) for name in stored), "the selfie went with the withdrawal"
    assert Case.objects.get(pk=case.pk).state == CaseState.WITHDRAWN


def test_a_database_failure_while_loading_the_media_is_retried_without_calling_the_vendor(
        django_capture_on_commit_callbacks, settings):
    from django.db import OperationalError, connection

    settings.KYC_SELFIE_PROVIDER = CRASHING  # would answer provider_crashed if it were ever called
    case, check = _submit_selfie(django_capture_on_commit_callbacks)

    def database_gone(execute, sql, params, many, context):
        # The fault is injected at the driver boundary: the media row cannot be read.
        if "media_mediablob" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_gone):
        outcome = check_run(check_id=check.pk, worker="test")

    check.refresh_from_db()
    [attempt] = check.attempt_rows.all()
    assert outcome.outcome is RunOutcome.RETRY and check.status == CheckStatus.PENDING
    assert attempt.outcome == AttemptOutcome.TRANSIENT_ERROR and attempt.error_code == "database_unavailable"
    assert "no request was sent to the vendor" in attempt.error_message
    from liveness.vendors import catalogue

    assert catalogue.is_known("internal", "database_unavailable")  # the dashboard can explain it


def test_threshold_change_applies_to_new_checks_only(django_capture_on_commit_callbacks):
    _, first = _submit_selfie(django_capture_on_commit_callbacks)
    check_run(check_id=first.pk, worker="test")
    v1 = ThresholdPolicy.objects.get(provider="local", metric="liveness")
    ThresholdPolicy.objects.create(provider="local", metric="liveness", version=2, value=100.0, reason="stricter")

    _, second = _submit_selfie(django_capture_on_commit_callbacks)
    check_run(check_id=second.pk, worker="test")

    assert first.scores.get().policy == v1
    later = second.scores.get()
    assert later.policy.version == 2 and later.threshold == 100.0
    assert later.passed is (later.value >= 100.0)


def test_requeue_sweep_finds_lost_and_abandoned_checks_once_per_window(django_capture_on_commit_callbacks, settings):
    from liveness.checks.services import check_ids_to_requeue

    _, lost = _submit_selfie(django_capture_on_commit_callbacks)
    _, abandoned = _submit_selfie(django_capture_on_commit_callbacks)
    _, fresh = _submit_selfie(django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(hours=1)
    Check.objects.filter(pk=lost.pk).update(created_at=long_ago)
    Check.objects.filter(pk=abandoned.pk).update(status=CheckStatus.IN_FLIGHT, claimed_at=long_ago)

    assert sorted(check_ids_to_requeue()) == sorted([lost.pk, abandoned.pk])
    # A second sweep while the broker is backlogged queues nothing again (issue: 4,238 messages for 420 rows).
    assert check_ids_to_requeue() == []
    Check.objects.filter(pk=lost.pk).update(requeued_at=long_ago)
    assert check_ids_to_requeue() == [lost.pk]
