"""Reads. Views and tasks ask here instead of composing querysets themselves."""
from __future__ import annotations

from django.db.models import QuerySet

from ..cases.models import Case
from .models import Check


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
