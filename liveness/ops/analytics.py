"""Selectors of the analytics page (``/dashboard/analytics/``): aggregates over a window of days,
each one query (GROUP BY in the database), so the numbers are the database's own counts.

:func:`analytics_snapshot` is what the page reads: the aggregates of a window, kept in the cache
for ``KYC_ANALYTICS_CACHE_SECONDS`` and refreshed ahead of expiry by the beat task
``liveness.ops.tasks.analytics_refresh`` (on a million cases the queries take longer than a page
may: docs/deploy.md, "Analytics")."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from liveness.cases.models import Case, Decision, DecisionOutcome, Submission
from liveness.checks.models import Check, CheckStatus

from .analytics_panels import QueueAge, Reviewer, ScoreHistogram, queue_age_read, reviewer_throughput_read, \
    score_histograms_read

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
    queue: QueueAge
    reviewers: list[Reviewer]
    histograms: list[ScoreHistogram]
    computed_at: datetime

    @property
    def retake_rate(self) -> float | None:
        return self.retakes / self.decisions if self.decisions else None


def analytics_read(*, days: int = 30, now: datetime | None = None) -> Analytics:
    """Every panel's numbers, computed now from the database."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    totals = Decision.objects.filter(created_at__gte=since).aggregate(
        decisions=Count("id"), retakes=Count("id", filter=Q(outcome=DecisionOutcome.RETAKE)))
    return Analytics(since=since, days=_days(since), pass_rates=_pass_rates(since), refusals=_refusals(since),
                     retakes=totals["retakes"], decisions=totals["decisions"], decision_times=_decision_times(since),
                     queue=queue_age_read(now=now, target_hours=settings.KYC_REVIEW_QUEUE_TARGET_HOURS),
                     reviewers=reviewer_throughput_read(since=since, days=days),
                     histograms=score_histograms_read(since=since), computed_at=now)


def _snapshot_key(days: int) -> str:
    return f"kyc:analytics:v1:{days}:{settings.KYC_REVIEW_QUEUE_TARGET_HOURS}"


def analytics_snapshot(*, days: int = 30) -> Analytics:
    """The window's numbers as computed at most KYC_ANALYTICS_CACHE_SECONDS ago (``computed_at``
    says when), else computed now and kept; 0 computes on every call."""
    ttl = settings.KYC_ANALYTICS_CACHE_SECONDS
    if ttl:
        kept = cache.get(_snapshot_key(days))
        if isinstance(kept, Analytics) and (timezone.now() - kept.computed_at).total_seconds() < ttl:
            return kept
    return analytics_refresh(days=days)


def analytics_refresh(*, days: int = 30) -> Analytics:
    """Compute the window's numbers now and keep them for the pages (the beat task calls this a
    little before the kept ones expire, so a page rarely waits for the queries)."""
    data = analytics_read(days=days)
    if settings.KYC_ANALYTICS_CACHE_SECONDS:
        cache.set(_snapshot_key(days), data, timeout=settings.KYC_ANALYTICS_CACHE_SECONDS * 2)
    return data


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
    """Seconds from the latest submission before a decision to the decision, p50 and p95 (nearest
    rank: PostgreSQL's percentile_disc, see :func:`percentile`), for automatic (no person) and
    human decisions. On PostgreSQL one query (a join grouped per decision: on 1M cases a third
    faster than a lateral lookup per decision) with the percentiles computed in the database;
    elsewhere (the development SQLite database of ``scripts/run``) the same numbers in Python."""
    if connection.vendor != "postgresql":
        return _decision_times_portable(since)
    decision, submission = Decision._meta.db_table, Submission._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT who, percentile_disc(0.5) WITHIN GROUP (ORDER BY wait), "  # noqa: S608  (table names only)
            f"percentile_disc(0.95) WITHIN GROUP (ORDER BY wait), count(*) FROM ("
            f"  SELECT CASE WHEN d.decided_by_id IS NULL THEN 'automatic' ELSE 'human' END AS who, "
            f"         extract(epoch FROM d.created_at - max(s.created_at))::float8 AS wait "
            f"  FROM {decision} d JOIN {submission} s ON s.case_id = d.case_id AND s.created_at <= d.created_at "
            f"  WHERE d.created_at >= %s GROUP BY d.id) waits GROUP BY who", [since])
        found = {who: (p50, p95, n) for who, p50, p95, n in cursor.fetchall()}
    return {who: found.get(who, (None, None, 0)) for who in ("automatic", "human")}


def _decision_times_portable(since: datetime) -> dict[str, tuple[float | None, float | None, int]]:
    """:func:`_decision_times` for any database: each decision's wait read through the ORM, the
    percentiles by :func:`percentile` (one row per decision of the window: for development data)."""
    latest_before = Max("case__submissions__created_at",
                        filter=Q(case__submissions__created_at__lte=F("created_at")))
    waits: dict[str, list[float]] = {"automatic": [], "human": []}
    for person, decided_at, submitted_at in (Decision.objects.filter(created_at__gte=since)
                                             .annotate(submitted_at=latest_before)
                                             .values_list("decided_by_id", "created_at", "submitted_at")):
        if submitted_at is not None:
            waits["automatic" if person is None else "human"].append((decided_at - submitted_at).total_seconds())
    return {who: (percentile(sorted(w), 50), percentile(sorted(w), 95), len(w)) for who, w in waits.items()}


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of sorted values (None when empty)."""
    if not ordered:
        return None
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
