"""Retention of biometric media: purge what a finished case no longer needs.

``KYC_RETENTION_DAYS`` (settings) maps a case state to a number of days. A case in one
of those states whose ``state_changed_at`` is older than that loses its media: every
``MediaBlob`` it references (submission selfie / video / ID card, the vendor's
returned best frame and face crop) has its encrypted file deleted and ``purged_at``
set. The Case, Submission, Check, Attempt, Score, Decision and AuditEvent rows stay,
so the decision and who made it remain provable. One ``media.purged`` AuditEvent is
written per purged case.

Cases still being worked on (``processing``, ``manual_review``) are never purged,
whatever the settings say. A person who withdraws their consent has their case's media erased at
once, whatever its state (:func:`case_media_erase`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liveness.cases.models import Case, CaseState, Submission
from liveness.checks.models import Check
from liveness.media.models import MediaBlob

logger = logging.getLogger(__name__)

NEVER_PURGED = frozenset({CaseState.PROCESSING, CaseState.MANUAL_REVIEW})
ACTOR_LABEL = "system:retention"


@dataclass
class PurgeReport:
    dry_run: bool
    cases: list[int] = field(default_factory=list)
    blobs: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


def retention_days() -> dict[str, int]:
    days = dict(settings.KYC_RETENTION_DAYS)
    return {state: n for state, n in days.items() if state not in NEVER_PURGED and n}


def case_blob_ids(case: Case) -> set:
    ids: set = set()
    for row in Submission.objects.filter(case=case).values_list("selfie_id", "video_id", "card_id"):
        ids.update(row)
    for row in Check.objects.filter(case=case).values_list("best_frame_id", "face_crop_id"):
        ids.update(row)
    ids.discard(None)
    return ids


def cases_due(now=None):
    """Cases whose media retention period has run out (whether or not already purged)."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for state, days in retention_days().items():
        condition |= Q(state=state, state_changed_at__lt=now - timedelta(days=days))
    return Case.objects.filter(condition).exclude(state__in=NEVER_PURGED).order_by("state_changed_at", "pk")


def _live_blobs(case: Case):
    return MediaBlob.objects.filter(pk__in=case_blob_ids(case), purged_at__isnull=True)


def case_media_purge(*, case_id: int, now=None) -> int:
    """Purge one case's media if it is still due. Returns the number of blobs purged."""
    now = now or timezone.now()
    days_by_state = retention_days()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        days = days_by_state.get(case.state)
        if case.state in NEVER_PURGED or not days or case.state_changed_at >= now - timedelta(days=days):
            return 0
        purged = _blobs_purge(case=case, now=now, actor_label=ACTOR_LABEL, details={
            "state": case.state, "retention_days": days, "state_changed_at": case.state_changed_at.isoformat()})
    if purged:
        logger.info("case %s: purged %d media file(s) (%s, %d days)", case_id, purged, case.state, days)
    return purged


def case_media_erase(*, case_id: int, reason: str, actor_label: str) -> int:
    """Purge every media file of one case now, whatever its state and the retention settings (a
    person withdrew their consent). Audited ``media.purged`` with ``reason``; returns the number
    of blobs purged (0 when nothing was left)."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_id)
        purged = _blobs_purge(case=case, now=timezone.now(), actor_label=actor_label,
                              details={"state": case.state, "reason": reason})
    if purged:
        logger.info("case %s: erased %d media file(s) (%s)", case_id, purged, reason)
    return purged


def _blobs_purge(*, case: Case, now, actor_label: str, details: dict) -> int:
    """Delete the files of the case's live blobs and mark them purged, audited. Call with the case row locked."""
    blobs = list(_live_blobs(case).select_for_update())
    if not blobs:
        return 0
    MediaBlob.objects.filter(pk__in=[b.pk for b in blobs]).update(purged_at=now)
    from liveness.cases.audit import audit_record

    audit_record(action="media.purged", actor_label=actor_label, case=case, details={
        **details, "blobs": [{"id": str(b.pk), "kind": b.kind, "sha256": b.sha256} for b in blobs]})
    # Delete inside the transaction: if a delete fails, nothing is marked purged and the
    # next run tries again; if the commit fails after the deletes, the next run marks them
    # purged (deleting a missing file is a no-op). Never a row claiming media that exists.
    for blob in blobs:
        if blob.file.name:
            default_storage.delete(blob.file.name)
    return len(blobs)


def media_purge_expired(*, dry_run: bool = False, limit: int | None = None, now=None) -> PurgeReport:
    """Purge the media of every case past its retention period."""
    now = now or timezone.now()
    report = PurgeReport(dry_run=dry_run)
    due = cases_due(now)
    if limit is not None:
        due = due[:limit]
    for case in due.iterator():
        if dry_run:
            count = _live_blobs(case).count()
        else:
            count = case_media_purge(case_id=case.pk, now=now)
        if count:
            report.cases.append(case.pk)
            report.blobs += count
            report.by_state[case.state] = report.by_state.get(case.state, 0) + 1
    return report
