"""The orphaned-media sweep (liveness/media/orphans.py): files a rolled-back transaction left in
the storage go once past the grace period; files a live row names are never touched; a dry run
changes nothing. On the local file system (file ages set with os.utime) and on S3 (moto's server)."""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DataError, transaction
from django.utils import timezone

from kyc_portal.celery import app as celery_app
from liveness.cases.models import AuditEvent
from liveness.media import files as media
from liveness.media import orphans, tasks
from liveness.media.models import MediaBlob, MediaKind
from tests.media.test_s3_storage import bucket, s3_endpoint, s3_media  # noqa: F401  (S3 fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    """A storage of this test's own: the sweep walks all of it, and the session's shared media root
    holds other tests' files."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _store(data: bytes = b"plaintext") -> MediaBlob:
    return media.blob_store(data=data, kind=MediaKind.SELFIE, content_type="image/jpeg")


def _stored_then_rolled_back() -> str:
    """A transaction stores a blob, then fails: the row is rolled back, the file stays. Returns its name."""
    names = []
    with pytest.raises(RuntimeError), transaction.atomic():
        names.append(_store(b"uploaded, then the transaction failed").file.name)
        raise RuntimeError("a later step of the same transaction failed")
    assert not MediaBlob.objects.filter(file=names[0]).exists()
    return names[0]


def _age(name: str, hours: float) -> None:
    """Make a file on the local storage look ``hours`` old (its mtime, which the sweep reads)."""
    then = time.time() - hours * 3600
    os.utime(default_storage.path(name), (then, then))


def test_a_rollback_leaves_an_orphan_that_the_sweep_removes_only_after_the_grace_period(settings):
    settings.KYC_ORPHAN_GRACE_HOURS = 24
    kept = _store(b"a committed selfie")
    orphan = _stored_then_rolled_back()
    assert default_storage.exists(orphan)

    # Inside the grace period the file may belong to a transaction still running: kept.
    _age(orphan, 23)
    report = orphans.media_orphans_sweep()
    assert (report.scanned, report.referenced, report.too_recent, report.orphans) == (2, 1, 1, [])
    assert default_storage.exists(orphan) and not AuditEvent.objects.filter(action="media.orphans_swept").exists()

    # Past it: deleted, and audited. The committed file, just as old, is untouched and still decrypts.
    _age(orphan, 25)
    _age(kept.file.name, 25)
    size = default_storage.size(orphan)
    report = orphans.media_orphans_sweep()
    assert report.orphans == [orphan] and report.bytes == size and report.referenced == 1
    assert not default_storage.exists(orphan)
    assert media.blob_read(kept) == b"a committed selfie"
    event = AuditEvent.objects.get(action="media.orphans_swept")
    assert event.actor_label == "system:orphan-sweep" and event.case is None
    assert event.details == {"deleted": 1, "bytes": size, "grace_hours": 24, "files": [orphan], "failed": 0}

    assert orphans.media_orphans_sweep().orphans == []  # nothing left; no second event
    assert AuditEvent.objects.filter(action="media.orphans_swept").count() == 1


def test_the_grace_period_is_the_setting(settings):
    orphan = _stored_then_rolled_back()
    _age(orphan, 5)
    settings.KYC_ORPHAN_GRACE_HOURS = 6
    assert orphans.media_orphans_sweep().orphans == []
    settings.KYC_ORPHAN_GRACE_HOURS = 4
    assert orphans.media_orphans_sweep().orphans == [orphan]
    with pytest.raises(ValueError):
        orphans.media_orphans_sweep(older_than=timedelta(minutes=10))  # would race uploads in progress


def test_dry_run_command_lists_and_deletes_nothing_then_the_command_deletes(capsys):
    orphan = _stored_then_rolled_back()
    _age(orphan, 48)

    call_command("media_orphans_sweep", "--dry-run")
    out = capsys.readouterr().out
    assert "would delete 1 orphaned file(s)" in out and orphan in out
    assert default_storage.exists(orphan) and not AuditEvent.objects.exists()

    call_command("media_orphans_sweep")
    assert "deleted 1 orphaned file(s)" in capsys.readouterr().out
    assert not default_storage.exists(orphan)
    assert AuditEvent.objects.filter(action="media.orphans_swept").count() == 1


def test_only_media_shaped_unreferenced_files_are_candidates():
    """Rows name their files exactly: an old copy under the same UUID (what an interrupted key
    rotation leaves) is an orphan, a purged row's leftover file is one too, and files that are
    not the project's media (other names) are never touched."""
    live = _store(b"live")
    purged = _store(b"purged")
    MediaBlob.objects.filter(pk=purged.pk).update(purged_at=timezone.now())  # file deletion "failed"
    old_copy = default_storage.save(f"2020/01/{live.id}.oldkey.bin", ContentFile(b"sealed under an old key"))
    foreign = [default_storage.save("README.txt", ContentFile(b"x")),
               default_storage.save("blobs/2020/01/notes.bin", ContentFile(b"x"))]
    for name in [live.file.name, purged.file.name, old_copy, *foreign]:
        _age(name, 100)

    report = orphans.media_orphans_sweep()

    assert sorted(report.orphans) == sorted([purged.file.name, old_copy])
    assert report.scanned == 3 and report.referenced == 1
    assert default_storage.exists(live.file.name) and all(default_storage.exists(n) for n in foreign)


@pytest.mark.django_db(transaction=True)
def test_blob_store_removes_its_file_when_its_own_insert_fails():
    """The one rollback blob_store can see: its row is refused (here a content type too long for
    the column), so it deletes the file it had just written instead of leaving an orphan."""
    with pytest.raises(DataError):
        media.blob_store(data=b"x", kind=MediaKind.SELFIE, content_type="image/" + "x" * 200)
    assert not MediaBlob.objects.exists()
    assert list(orphans.storage_walk(default_storage)) == []


def test_the_beat_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-orphaned-media"]
    assert entry["task"] == "liveness.media.tasks.media_orphans_sweep" and entry["task"] in celery_app.tasks
    orphan = _stored_then_rolled_back()
    _age(orphan, 25)
    assert tasks.media_orphans_sweep() == 1 and not default_storage.exists(orphan)


def test_on_s3_the_sweep_walks_the_bucket_and_keeps_live_objects(s3_media):  # noqa: F811
    kept = _store(b"on s3")
    orphan = _stored_then_rolled_back()
    keys = {o["Key"] for o in s3_media.list_objects_v2(Bucket=s3_media.bucket_name)["Contents"]}
    assert keys == {f"kyc-media/{kept.file.name}", f"kyc-media/{orphan}"}

    assert orphans.media_orphans_sweep().too_recent == 1  # S3's LastModified is now: inside the grace period
    # An S3 object's LastModified cannot be set back, so the sweep is asked about a later "now".
    report = orphans.media_orphans_sweep(now=timezone.now() + timedelta(hours=25))

    assert report.orphans == [orphan] and report.referenced == 1
    keys = {o["Key"] for o in s3_media.list_objects_v2(Bucket=s3_media.bucket_name)["Contents"]}
    assert keys == {f"kyc-media/{kept.file.name}"}
    assert media.blob_read(kept) == b"on s3"


def test_grace_hours_setting_is_validated():
    from tests.media.test_s3_storage import _django

    for bad in ("0", "soon"):
        result = _django("", KYC_ORPHAN_GRACE_HOURS=bad)
        assert result.returncode != 0 and "KYC_ORPHAN_GRACE_HOURS" in result.stderr, bad
