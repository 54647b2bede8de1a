"""Thin Celery beat tasks for stored media: retention and orphaned files."""
from __future__ import annotations

from celery import shared_task

from . import orphans, retention


@shared_task(ignore_result=True, name="liveness.media.tasks.media_purge_expired")
def media_purge_expired() -> int:
    """Beat: delete the media of cases past their retention period (``liveness.media.retention``)."""
    return retention.media_purge_expired().blobs


@shared_task(ignore_result=True, name="liveness.media.tasks.media_orphans_sweep")
def media_orphans_sweep() -> int:
    """Beat: delete media files no live row names, past KYC_ORPHAN_GRACE_HOURS (``liveness.media.orphans``)."""
    return len(orphans.media_orphans_sweep().orphans)
