"""Storage before transactions: an upload's media is written before the case lock is taken, so a
slow store (S3 retries) never holds up another request on the same case."""
from __future__ import annotations

import threading

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, connection, transaction

from liveness.cases.models import Case, CaseKind, CaseState
from liveness.cases.services import SubmissionRefused, submission_accept
from liveness.media.models import MediaBlob
from tests import mediagen
from tests.factories import CaseFactory


class SlowStorage(FileSystemStorage):
    """A storage whose writes take a while, like an object store retrying; it says when a write
    has started and waits for the test to let it finish."""

    writing = threading.Event()
    release = threading.Event()

    def _save(self, name, content):
        type(self).writing.set()
        type(self).release.wait(timeout=30)
        return super()._save(name, content)


@pytest.fixture
def slow_storage(settings):
    SlowStorage.writing.clear()
    SlowStorage.release.clear()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.SlowStorage",
                                                          "OPTIONS": {"location": settings.MEDIA_ROOT}}}
    yield SlowStorage
    SlowStorage.release.set()


def _submit_in_thread(case: Case, outcome: dict) -> threading.Thread:
    def run():
        try:
            outcome["submission"] = submission_accept(case=case, actor_label="test", source="test",
                                                      selfie=mediagen.selfie_jpeg())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_another_request_on_the_case_is_not_blocked_while_the_media_is_written(transactional_db, slow_storage):
    case = CaseFactory(kind=CaseKind.SELFIE)
    outcome: dict = {}
    thread = _submit_in_thread(case, outcome)
    assert slow_storage.writing.wait(timeout=30), "the upload never reached storage"

    # Mid-write: the case row is free (NOWAIT raises at once if anyone holds its lock).
    with transaction.atomic():
        locked = Case.objects.select_for_update(nowait=True).get(pk=case.pk)
        assert locked.state == CaseState.AWAITING_SUBMISSION

    slow_storage.release.set()
    thread.join(timeout=60)
    assert "error" not in outcome, outcome.get("error")
    case.refresh_from_db()
    assert case.state == CaseState.PROCESSING and outcome["submission"].selfie.size > 0


def test_a_refused_submission_leaves_no_file_and_no_row(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    case = CaseFactory(kind=CaseKind.SELFIE, state=CaseState.AWAITING_SUBMISSION)
    selfie = mediagen.selfie_jpeg()
    submission_accept(case=case, actor_label="test", source="test", selfie=selfie)
    Case.objects.filter(pk=case.pk).update(state=CaseState.AWAITING_SUBMISSION)  # raced by another upload...
    files_before = sorted(p.name for p in (tmp_path / "media").rglob("*.bin"))

    with pytest.raises(SubmissionRefused):
        # ...which takes the case while this one writes its media (the state is re-checked under the lock)
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(state=CaseState.APPROVED)
            submission_accept(case=case, actor_label="test", source="test", selfie=selfie)

    assert sorted(p.name for p in (tmp_path / "media").rglob("*.bin")) == files_before
    assert MediaBlob.objects.count() == 1


def test_nowait_really_detects_a_held_lock(transactional_db):
    """The first test relies on NOWAIT failing while the case row is locked: shown here."""
    case = CaseFactory()
    holding, done = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            Case.objects.select_for_update().get(pk=case.pk)
            holding.set()
            done.wait(timeout=30)
        connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        with pytest.raises(DatabaseError), transaction.atomic():
            Case.objects.select_for_update(nowait=True).get(pk=case.pk)
    finally:
        done.set()
        thread.join(timeout=30)
