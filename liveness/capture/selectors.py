"""Reads for the capture pages."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Min, Q
from django.utils import timezone

from liveness.cases.models import Case
from liveness.checks.models import CheckStatus


def cooldown_left(case: Case) -> float | None:
    """Seconds until the case takes a submission again (its KYC_CAPTURE_MAX_FAILURES-th most recent
    failed submission leaves the window), or None when it is not cooling down."""
    window = timedelta(minutes=settings.KYC_CAPTURE_FAILURE_WINDOW_MINUTES)
    now = timezone.now()
    failures = case.checks.filter(created_at__gte=now - window).filter(
        Q(passed=False) | Q(status=CheckStatus.FAILED)).values("submission").annotate(
        at=Min("created_at")).order_by("-at").values_list("at", flat=True)
    recent = list(failures[:settings.KYC_CAPTURE_MAX_FAILURES])
    if len(recent) < settings.KYC_CAPTURE_MAX_FAILURES:
        return None
    return max(1.0, (recent[-1] + window - now).total_seconds())
