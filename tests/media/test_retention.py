"""Retention: media of finished cases is purged after its period; rows and audit stay."""
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from liveness.cases.models import (
    AuditEvent,
    Case,
    CaseKind,
    CaseState,
    Decision,
    Submission,
)
from liveness.checks.models import Check
from liveness.media import files as media
from liveness.media import retention
from liveness.media.models import MediaBlob, MediaKind

pytestmark = pytest.mark.django_db


def _case(state, age_days, *, with_check_media=False):
    case = Case.objects.create(kind=CaseKind.SELFIE, state=state,
                               state_changed_at=timezone.now() - timedelta(days=age_days))
    selfie = media.blob_store(data=b"selfie-bytes", kind=MediaKind.SELFIE, content_type="image/jpeg")
    submission = Submission.objects.create(case=case, kind=CaseKind.SELFIE, selfie=selfie)
    check = Check.objects.create(submission=submission, case=case, provider="local", operation="selfie_liveness",
                                 status="done")
    if with_check_media:
        check.best_frame = media.blob_store(data=b"frame", kind=MediaKind.BEST_FRAME, content_type="image/jpeg")
        check.face_crop = media.blob_store(data=b"crop", kind=MediaKind.FACE_CROP, content_type="image/jpeg")
        check.save()
    return case


def _blobs(case):
    return MediaBlob.objects.filter(pk__in=retention.case_blob_ids(case))


@pytest.fixture
def policy(settings):
    settings.KYC_RETENTION_DAYS = {"approved": 30, "rejected": 60, "retake_requested": 10}
    return settings.KYC_RETENTION_DAYS


def test_expired_final_cases_lose_their_media_and_keep_their_rows(policy):
    old_approved = _case(CaseState.APPROVED, 31, with_check_media=True)
    Decision.objects.create(case=old_approved, outcome="approve", reason_code="ok")
    old_rejected = _case(CaseState.REJECTED, 61)
    files = [b.file.name for b in _blobs(old_approved)] + [b.file.name for b in _blobs(old_rejected)]
    assert all(default_storage.exists(name) for name in files) and len(files) == 4

    report = retention.media_purge_expired()

    assert sorted(report.cases) == sorted([old_approved.pk, old_rejected.pk]) and report.blobs == 4
    assert not any(default_storage.exists(name) for name in files)
    for case in (old_approved, old_rejected):
        assert all(b.purged_at for b in _blobs(case))
        with pytest.raises(FileNotFoundError, match="purged"):
            media.blob_read(_blobs(case).first())
        assert Check.objects.filter(case=case).exists() and Submission.objects.filter(case=case).exists()
        event = AuditEvent.objects.get(case=case, action="media.purged")
        assert event.actor_label == "system:retention" and event.details["state"] == case.state
    assert Decision.objects.filter(case=old_approved).count() == 1
    assert len(AuditEvent.objects.get(case=old_approved, action="media.purged").details["blobs"]) == 3


def test_recent_cases_and_cases_in_progress_are_never_purged(policy, settings):
    settings.KYC_RETENTION_DAYS = {**policy, "processing": 1, "manual_review": 1}  # even if misconfigured
    keep = [
        _case(CaseState.APPROVED, 29),
        _case(CaseState.REJECTED, 59),
        _case(CaseState.PROCESSING, 400),
        _case(CaseState.MANUAL_REVIEW, 400),
    ]

    report = retention.media_purge_expired()

    assert report.cases == [] and report.blobs == 0
    for case in keep:
        assert all(b.purged_at is None and default_storage.exists(b.file.name) for b in _blobs(case))
    assert not AuditEvent.objects.filter(action="media.purged").exists()


def test_purge_is_idempotent_one_audit_event_per_case(policy):
    case = _case(CaseState.RETAKE_REQUESTED, 11)

    assert retention.media_purge_expired().blobs == 1
    assert retention.media_purge_expired().blobs == 0

    assert AuditEvent.objects.filter(case=case, action="media.purged").count() == 1


def test_command_dry_run_changes_nothing_then_purges(policy, capsys):
    case = _case(CaseState.APPROVED, 45)

    call_command("media_purge", "--dry-run")
    assert "would purge 1 media file(s) of 1 case(s)" in capsys.readouterr().out
    assert _blobs(case).get().purged_at is None
    assert not AuditEvent.objects.filter(action="media.purged").exists()

    call_command("media_purge")
    assert "purged 1 media file(s) of 1 case(s)" in capsys.readouterr().out
    assert _blobs(case).get().purged_at is not None


def test_beat_task_runs_the_purge(policy, settings):
    from liveness.media import tasks

    case = _case(CaseState.APPROVED, 100)
    assert tasks.media_purge_expired.apply().get() == 1
    assert _blobs(case).get().purged_at is not None
    assert "liveness.media.tasks.media_purge_expired" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


@pytest.mark.parametrize(("env", "message"), [
    ({"KYC_RETENTION_DAYS_APPROVED": "abc"}, "whole number"),
    ({"KYC_RETENTION_DAYS_REJECTED": "-3"}, "between 1 and 36500"),
    ({"KYC_RETENTION_DAYS_MANUAL_REVIEW": "5"}, "never purged"),
])
def test_bad_retention_settings_stop_the_process(env, message):
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import kyc_portal.settings"], capture_output=True, text=True, check=False,
        env={**os.environ, "KYC_ENV_FILE": "", **env}, timeout=60,
    )
    assert result.returncode != 0 and message in result.stderr


def test_retention_settings_from_env():
    import os
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import kyc_portal.settings as s; print(s.KYC_RETENTION_DAYS)"],
        capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "KYC_ENV_FILE": "", "KYC_RETENTION_DAYS_APPROVED": "7", "KYC_RETENTION_DAYS_REJECTED": "off"},
    )
    assert result.returncode == 0, result.stderr
    assert "'approved': 7" in result.stdout and "rejected" not in result.stdout


def test_after_a_purge_the_reviewer_sees_the_case_and_decision_but_the_media_is_gone(policy, client):
    from tests.conftest import staff_login
    from tests.review.conftest import make_review_case, role_user

    case = make_review_case(reference="purge-me")
    Case.objects.filter(pk=case.pk).update(state=CaseState.REJECTED,
                                           state_changed_at=timezone.now() - timedelta(days=365))
    assert retention.media_purge_expired().cases == [case.pk]
    staff_login(client, role_user("rita", "reviewer"))

    page = client.get(f"/dashboard/cases/{case.public_id}/")
    assert page.status_code == 200 and b"purged" in page.content
    media_url = f"/dashboard/cases/{case.public_id}/media/{case.selfie_blob.pk}/"
    assert client.get(media_url).status_code == 404  # not a 500
