"""Orphaned media files: encrypted files in the media storage that no live MediaBlob row names.

How they arise. ``media.blob_store`` writes the sealed file, then inserts the row, inside the
caller's transaction. When that transaction rolls back afterwards (a later step of
``submission_accept`` or ``check_record_result`` fails, the database connection drops before
the commit, the worker is killed), the row is gone and the file stays. Django offers
``on_commit`` but no on-rollback hook, and writing the file after the commit would let a
committed row name a file that does not exist yet, so the file cannot be tied to the
transaction's fate; ``blob_store`` only removes its file when its own insert fails. Key
rotation (``keys.py``) deletes the old file after its commit, so a process that dies in
between leaves the old file behind. Orphans hold biometric data (encrypted, but under keys
that are still live) that retention will never reach, because retention walks rows.

The sweep walks the storage with ``listdir`` (FileSystemStorage and S3 alike), considers only
names shaped like the media files this project writes (``<uuid>[.<key id>].bin``, anything
else is left alone), asks the database which of them a live row names (by the UUID, the
primary key), and deletes the rest once their last modification is older than the grace
period ``KYC_ORPHAN_GRACE_HOURS`` (default 24): a file whose transaction has not committed yet
looks exactly like an orphan, and the grace period is what keeps an upload in progress safe.
A file named only by a *purged* row is deleted as well: the row says that media is gone.

One ``media.orphans_swept`` AuditEvent per run that deleted anything, with the count, the
bytes and the names (UUIDs only). A dry run deletes nothing and records nothing.
"""
from __future__ import annotations

import logging
import posixpath
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from liveness.media.models import MediaBlob

logger = logging.getLogger(__name__)

ACTOR_LABEL = "system:orphan-sweep"
#: Names media.blob_store and key rotation write: ``<uuid>.bin``, ``<uuid>.<key id>.bin``, and
#: FileSystemStorage's ``_<7 chars>`` suffix should a name ever be taken.
MEDIA_NAME = re.compile(r"^(?P<id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})[._A-Za-z0-9-]*\.bin$")
BATCH = 500
AUDIT_NAMES_MAX = 200


@dataclass
class OrphanReport:
    dry_run: bool
    grace: timedelta
    scanned: int = 0  # media-shaped files seen
    referenced: int = 0  # named by a live row: never touched
    too_recent: int = 0  # unreferenced but inside the grace period (or undatable): kept for now
    orphans: list[str] = field(default_factory=list)  # deleted (or, dry run, would be)
    bytes: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # name -> why it could not be deleted


def orphan_grace() -> timedelta:
    return timedelta(hours=settings.KYC_ORPHAN_GRACE_HOURS)


def storage_walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name under ``path``, depth first. A missing directory lists as empty (it does on S3)."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(path, name) if path else name
    for name in sorted(dirs):
        yield from storage_walk(storage, posixpath.join(path, name) if path else name)


def _live_names(ids: set[uuid.UUID]) -> set[str]:
    rows = MediaBlob.objects.filter(pk__in=ids, purged_at__isnull=True).values_list("file", flat=True)
    return set(rows)


def _older_than(storage: Storage, name: str, cutoff: datetime) -> bool:
    """False when the file is recent, or its age cannot be told: never delete what cannot be dated."""
    try:
        modified = storage.get_modified_time(name)
    except (NotImplementedError, OSError) as exc:
        logger.warning("orphan sweep: cannot date %s (%s); kept", name, exc)
        return False
    if timezone.is_naive(modified):
        modified = timezone.make_aware(modified, timezone.get_default_timezone())
    return modified < cutoff


def media_orphans_sweep(*, older_than: timedelta | None = None, dry_run: bool = False,
                        now: datetime | None = None) -> OrphanReport:
    """Delete media files that no live MediaBlob row names and that are older than ``older_than``
    (default: KYC_ORPHAN_GRACE_HOURS). ``now`` is for tests of storages whose clock cannot be faked."""
    grace = orphan_grace() if older_than is None else older_than
    if grace < timedelta(hours=1):
        raise ValueError("the grace period must be at least an hour: an upload in progress looks like an orphan")
    cutoff = (now or timezone.now()) - grace
    storage = default_storage
    report = OrphanReport(dry_run=dry_run, grace=grace)
    names = (name for name in storage_walk(storage) if MEDIA_NAME.match(posixpath.basename(name)))
    while batch := list(islice(names, BATCH)):
        report.scanned += len(batch)
        live = _live_names({uuid.UUID(MEDIA_NAME.match(posixpath.basename(n))["id"]) for n in batch})
        for name in batch:
            if name in live:
                report.referenced += 1
            elif not _older_than(storage, name, cutoff):
                report.too_recent += 1
            else:
                _orphan_remove(storage, name, report)
    if report.orphans and not dry_run:
        from liveness.cases.audit import audit_record

        audit_record(action="media.orphans_swept", actor_label=ACTOR_LABEL, details={
            "deleted": len(report.orphans), "bytes": report.bytes, "grace_hours": grace.total_seconds() / 3600,
            "files": report.orphans[:AUDIT_NAMES_MAX], "failed": len(report.failed)})
        logger.info("orphan sweep: deleted %d file(s), %d bytes", len(report.orphans), report.bytes)
    return report


def _orphan_remove(storage: Storage, name: str, report: OrphanReport) -> None:
    try:
        size = storage.size(name)
        if not report.dry_run:
            storage.delete(name)
    except FileNotFoundError:
        return  # gone meanwhile (another sweep, a retention purge): nothing to do
    except Exception as exc:  # one file must not stop the sweep; it is reported and tried next run
        logger.exception("orphan sweep: could not delete %s", name)
        report.failed[name] = f"{type(exc).__name__}: {exc}"
        return
    report.orphans.append(name)
    report.bytes += size
