"""Selectors of the analytics page (``/dashboard/analytics/``): aggregates over a window of days,
each one query (GROUP BY in the database), so the numbers are the database's own counts."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from liveness.cases.models import Case, Decision, DecisionOutcome, Submission
from liveness.checks.models import Check, CheckStatus

BAR_W, BAR_H = 12, 120  # the per-day SVG chart: one bar per day, stacked by outcome


@dataclass(frozen=True)
class DayBar:
    day: date
    counts: dict[str, int]
    segments: list[tuple[str, int, int]]  # (state, y, height) in the SVG
    x: int


@dataclass(frozen=True)
class Analytics:
    since: datetime
    days: list[DayBar]
    pass_rates: list[dict]
    refusals: list[tuple[str, int]]
    retakes: int
    decisions: int
    decision_times: dict[str, tuple[float | None, float | None, int]]  # who -> (p50 s, p95 s, n)

    @property
    def retake_rate(self) -> float | None:
        return self.retakes / self.decisions if self.decisions else None


def analytics_read(*, days: int = 30, now: datetime | None = None) -> Analytics:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    return Analytics(since=since, days=_days(since), pass_rates=_pass_rates(since), refusals=_refusals(since),
                     retakes=Decision.objects.filter(created_at__gte=since, outcome=DecisionOutcome.RETAKE).count(),
                     decisions=Decision.objects.filter(created_at__gte=since).count(),
                     decision_times=_decision_times(since))


def _days(since: datetime) -> list[DayBar]:
    """Cases opened per day, by their state now."""
    rows = (Case.objects.filter(created_at__gte=since).annotate(day=TruncDate("created_at"))
            .values_list("day", "state").annotate(n=Count("id")).order_by("day"))
    per_day: dict[date, dict[str, int]] = {}
    for day, state, n in rows:
        per_day.setdefault(day, {})[state] = n
    top = max((sum(c.values()) for c in per_day.values()), default=0) or 1
    bars = []
    for index, (day, counts) in enumerate(sorted(per_day.items())):
        y, segments = BAR_H, []
        for state, n in sorted(counts.items()):
            height = round(n * BAR_H / top)
            y -= height
            segments.append((state, y, height))
        bars.append(DayBar(day=day, counts=counts, segments=segments, x=index * (BAR_W + 2)))
    return bars


def _pass_rates(since: datetime) -> list[dict]:
    """Finished checks per operation and provider: how many, how many passed."""
    rows = (Check.objects.filter(created_at__gte=since, status__in=(CheckStatus.DONE, CheckStatus.FAILED))
            .values("operation", "provider").annotate(total=Count("id"), passed=Count("id", filter=Q(passed=True)))
            .order_by("operation", "provider"))
    return [{**row, "rate": row["passed"] / row["total"]} for row in rows]


def _refusals(since: datetime, limit: int = 10) -> list[tuple[str, int]]:
    """The most frequent reasons of reject and retake decisions."""
    rows = (Decision.objects.filter(created_at__gte=since, outcome__in=(DecisionOutcome.REJECT, DecisionOutcome.RETAKE))
            .values_list("reason_code").annotate(n=Count("id")).order_by("-n", "reason_code")[:limit])
    return [(code, n) for code, n in rows]


def _decision_times(since: datetime) -> dict[str, tuple[float | None, float | None, int]]:
    """Seconds from the latest submission before a decision to the decision, p50 and p95, for
    automatic (no person) and human decisions."""
    latest = Submission.objects.filter(case=OuterRef("case"), created_at__lte=OuterRef("created_at")).values(
        "case").annotate(at=Max("created_at")).values("at")
    rows = (Decision.objects.filter(created_at__gte=since).annotate(submitted=Subquery(latest))
            .exclude(submitted=None).values_list("decided_by_id", "created_at", "submitted"))
    waits: dict[str, list[float]] = {"automatic": [], "human": []}
    for person, decided, submitted in rows:
        waits["automatic" if person is None else "human"].append((decided - submitted).total_seconds())
    return {who: (percentile(sorted(v), 50), percentile(sorted(v), 95), len(v)) for who, v in waits.items()}


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of sorted values (None when empty)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
