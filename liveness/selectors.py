"""Reads. Views and tasks ask here instead of composing querysets themselves."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Case, Check, CheckStatus


def case_checks(*, case: Case) -> QuerySet[Check]:
    return (
        Check.objects.filter(case=case)
        .select_related("submission")
        .prefetch_related("scores", "attempt_rows")
        .order_by("created_at", "pk")
    )


def check_providers(*, check_ids: list[int]) -> dict[int, str]:
    """Check id -> provider name (which queue and which rate limit apply)."""
    return dict(Check.objects.filter(pk__in=check_ids).values_list("pk", "provider"))


def check_ids_needing_requeue(*, lost_after_s: int = 120) -> list[int]:
    """Pending checks nobody picked up in time, and in-flight checks whose worker is gone."""
    now = timezone.now()
    lost_before = now - timedelta(seconds=lost_after_s)
    stale_before = now - timedelta(seconds=settings.KYC_CHECK_STALE_AFTER)
    pending_lost = Q(status=CheckStatus.PENDING) & (
        Q(next_attempt_at__lt=lost_before) | Q(next_attempt_at__isnull=True, created_at__lt=lost_before)
    )
    abandoned = Q(status=CheckStatus.IN_FLIGHT, claimed_at__lt=stale_before)
    return list(Check.objects.filter(pending_lost | abandoned).values_list("pk", flat=True)[:500])
