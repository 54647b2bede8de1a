"""Panels of the analytics page beside the volumes (:mod:`.analytics`): the review queue's age
against its service-level target, reviewer throughput, and per provider metric a histogram of
the scores with the threshold line. Each panel is one aggregate query (GROUP BY in the
database); SVG coordinates are laid out here so the template only draws."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, IntegerField, Min, Q, Value
from django.db.models.functions import Cast, Floor, Greatest, Least, TruncDate

from liveness.cases.models import Case, CaseState, Decision
from liveness.checks.models import Score, ThresholdPolicy
from liveness.checks.thresholds import threshold_default

#: Queue age buckets, as fractions of the target: (label, low, high); high None = no upper bound.
QUEUE_BUCKETS = (("under ¼ of the target", 0.0, 0.25), ("¼ to ½", 0.25, 0.5), ("½ to the target", 0.5, 1.0),
                 ("1 to 2 × the target", 1.0, 2.0), ("over 2 × the target", 2.0, None))
HIST_W, HIST_H, HIST_BINS = 300, 80, 20
SPARK_W, SPARK_H = 150, 24


@dataclass(frozen=True)
class QueueAge:
    target_hours: int
    waiting: int
    over_target: int
    oldest_hours: float | None
    buckets: list[dict]  # label, n, over (past the target), x, y, w, h

    @property
    def over_share(self) -> float | None:
        return self.over_target / self.waiting if self.waiting else None


def queue_age_read(*, now: datetime, target_hours: int) -> QueueAge:
    """Cases waiting in manual review, by how long since they entered it, against the target."""
    target = timedelta(hours=target_hours)
    counts = {f"b{i}": Count("id", filter=(Q(state_changed_at__lte=now - target * low) if low else Q())
                             & (Q() if high is None else Q(state_changed_at__gt=now - target * high)))
              for i, (_, low, high) in enumerate(QUEUE_BUCKETS)}
    row = Case.objects.filter(state=CaseState.MANUAL_REVIEW).aggregate(
        waiting=Count("id"), over=Count("id", filter=Q(state_changed_at__lt=now - target)),
        oldest=Min("state_changed_at"), **counts)
    peak = max((row[f"b{i}"] for i in range(len(QUEUE_BUCKETS))), default=0) or 1
    width = HIST_W / len(QUEUE_BUCKETS)
    buckets = []
    for i, (label, low, _) in enumerate(QUEUE_BUCKETS):
        n = row[f"b{i}"]
        h = round(n / peak * (HIST_H - 10), 1)
        buckets.append({"label": label, "n": n, "over": low >= 1.0, "x": round(i * width, 1),
                        "y": round(HIST_H - h, 1), "w": round(width - 2, 1), "h": h})
    oldest = row["oldest"]
    return QueueAge(target_hours=target_hours, waiting=row["waiting"], over_target=row["over"],
                    oldest_hours=None if oldest is None else (now - oldest).total_seconds() / 3600, buckets=buckets)


@dataclass(frozen=True)
class Reviewer:
    """A person who decided, named by the role they decided in and their account number (no name)."""

    label: str
    per_day: dict[date, int]
    spark: list[dict]  # x, y, h, day, n

    @property
    def total(self) -> int:
        return sum(self.per_day.values())

    @property
    def busiest(self) -> int:
        return max(self.per_day.values(), default=0)

    @property
    def mean_per_active_day(self) -> float:
        return self.total / len(self.per_day) if self.per_day else 0.0


def reviewer_throughput_read(*, since: datetime, days: int) -> list[Reviewer]:
    """Decisions per reviewer per day (people only: automatic decisions have no reviewer)."""
    rows = (Decision.objects.filter(created_at__gte=since, decided_by__isnull=False)
            .annotate(day=TruncDate("created_at")).values_list("decided_by_id", "decided_by_role", "day")
            .annotate(n=Count("id")).order_by())
    people: dict[tuple[int, str], dict[date, int]] = {}
    for person, role, day, n in rows:
        people.setdefault((person, role or "reviewer"), {})[day] = n
    first = since.date()
    step = SPARK_W / (days + 1)  # the window touches days + 1 dates
    result = []
    for (person, role), per_day in people.items():
        peak = max(per_day.values())
        spark = []
        for day, n in sorted(per_day.items()):
            h = round(n / peak * SPARK_H, 1)
            spark.append({"x": round(max(0, (day - first).days) * step, 1), "y": round(SPARK_H - h, 1),
                          "w": round(max(1.0, step - 1), 1), "h": h, "day": day, "n": n})
        result.append(Reviewer(label=f"{role} #{person}", per_day=per_day, spark=spark))
    return sorted(result, key=lambda r: (-r.total, r.label))


@dataclass(frozen=True)
class ScoreHistogram:
    provider: str
    metric: str
    scale: float
    threshold: float | None
    threshold_x: float | None
    total: int
    judged_below: int  # judged under the threshold of their time
    bins: list[dict]  # lo, hi, n, x, y, w, h, below (the bin lies under the current threshold)


def score_histograms_read(*, since: datetime) -> list[ScoreHistogram]:
    """Scores of the checks made since ``since``, in HIST_BINS bins of the vendor's own scale,
    per provider and metric, with the current threshold (the newest policy, else the default)."""
    bin_of = Cast(Least(Value(HIST_BINS - 1), Greatest(Value(0), Floor(F("value") / F("scale") * HIST_BINS))),
                  IntegerField())
    rows = (Score.objects.filter(check_run__created_at__gte=since, scale__gt=0).annotate(bin=bin_of)
            .values_list("check_run__provider", "metric", "scale", "bin")
            .annotate(n=Count("id"), below=Count("id", filter=Q(passed=False))).order_by())
    grouped: dict[tuple[str, str, float], dict[int, tuple[int, int]]] = {}
    for provider, metric, scale, index, n, below in rows:
        grouped.setdefault((provider, metric, float(scale)), {})[index] = (n, below)
    current = _thresholds_current()
    histograms = []
    for (provider, metric, scale), counts in sorted(grouped.items()):
        threshold = current.get((provider, metric))
        if threshold is None:
            default = threshold_default(provider=provider, metric=metric)
            threshold = default.value if default is not None else None
        peak = max(n for n, _ in counts.values()) or 1
        width = HIST_W / HIST_BINS
        bins = []
        for i in range(HIST_BINS):
            n = counts.get(i, (0, 0))[0]
            lo, hi = i * scale / HIST_BINS, (i + 1) * scale / HIST_BINS
            h = round(n / peak * (HIST_H - 10), 1)
            bins.append({"lo": lo, "hi": hi, "n": n, "x": round(i * width, 1), "y": round(HIST_H - h, 1),
                         "w": round(width - 1, 1), "h": h, "below": threshold is not None and hi <= threshold})
        histograms.append(ScoreHistogram(
            provider=provider, metric=metric, scale=scale, threshold=threshold,
            threshold_x=None if threshold is None else round(min(1.0, threshold / scale) * HIST_W, 1),
            total=sum(n for n, _ in counts.values()), judged_below=sum(b for _, b in counts.values()), bins=bins))
    return histograms


def _thresholds_current() -> dict[tuple[str, str], float]:
    """The newest policy version's value per provider metric (one query; no default written)."""
    current: dict[tuple[str, str], float] = {}
    for provider, metric, value in ThresholdPolicy.objects.order_by("provider", "metric", "-version").values_list(
            "provider", "metric", "value"):
        current.setdefault((provider, metric), value)
    return current
