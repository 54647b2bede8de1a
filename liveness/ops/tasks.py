"""The analytics page's aggregates, refreshed ahead of their expiry (``CELERY_BEAT_SCHEDULE``)."""
from __future__ import annotations

from celery import shared_task

from .analytics import analytics_refresh

#: The windows the page offers as links (analytics.html); others are computed when first asked.
WINDOWS = (30, 7)


@shared_task(ignore_result=True, name="liveness.ops.tasks.analytics_refresh")
def analytics_refresh_task() -> None:
    for days in WINDOWS:
        analytics_refresh(days=days)
