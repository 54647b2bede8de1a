"""Reads for the dashboard: the queue (fast at a million cases), a case's full story, audit, thresholds.

Pagination is keyset (``created_at, pk``), never OFFSET, and counts are bounded
(``COUNT`` over a ``LIMIT`` subquery), so the queue costs the same on page 1 and
page 10,000 and on 1k or 1M rows; the ``(state, created_at)`` index serves both.
"""
from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from liveness.cases.models import AuditEvent, Case, CaseState, Decision
from liveness.checks.models import Check, CheckStatus, Score, ThresholdPolicy
from liveness.checks.thresholds import DEFAULTS, threshold_default, threshold_meaning
from liveness.vendors import catalogue
from liveness.review.models import CaseNote

COUNT_CAP = 10_000
PAGE_SIZE = 50


# --- keyset cursor -------------------------------------------------------------------------

def cursor_encode(created_at: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _keyset(qs: QuerySet, *, cursor: str | None, newest_first: bool, size: int = PAGE_SIZE) -> Page:
    order = ("-created_at", "-pk") if newest_first else ("created_at", "pk")
    qs = qs.order_by(*order)
    after = cursor_decode(cursor) if cursor else None
    if after:
        stamp, pk = after
        if newest_first:
            qs = qs.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, pk__lt=pk))
        else:
            qs = qs.filter(Q(created_at__gt=stamp) | Q(created_at=stamp, pk__gt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor_encode(rows[-1].created_at, rows[-1].pk) if more and rows else None)


def bounded_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """``(n, capped)``: counts at most ``cap + 1`` rows, so it stays cheap on huge tables."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap


# --- queue -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueFilter:
    state: str = CaseState.MANUAL_REVIEW
    provider: str = ""
    failing: str = ""  # "" any case, "any" a failing check, or a vendor code
    created_from: date | None = None
    created_to: date | None = None
    search: str = ""
    assigned: str = ""  # "", "me", "unassigned"
    oldest_first: bool = True


def queue_state_counts() -> list[tuple[str, str, int, bool]]:
    """``(state, label, count, capped)`` per state: one bounded index-only count each."""
    return [(value, label, *bounded_count(Case.objects.filter(state=value))) for value, label in CaseState.choices]


def queue_cases(*, filters: QueueFilter, user, cursor: str | None = None, size: int = PAGE_SIZE) -> Page:
    qs = Case.objects.select_related("partner", "assignment__assignee")
    if filters.search:
        term = filters.search.strip()
        try:
            qs = qs.filter(public_id=uuid.UUID(term))
        except ValueError:
            qs = qs.filter(reference=term)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.provider:
        qs = qs.filter(Exists(Check.objects.filter(case=OuterRef("pk"), provider=filters.provider)))
    if filters.failing:
        failing = Check.objects.filter(case=OuterRef("pk")).filter(
            Q(status=CheckStatus.FAILED) | Q(status=CheckStatus.DONE, passed=False))
        if filters.failing != "any":
            failing = failing.filter(error_code=filters.failing)
        qs = qs.filter(Exists(failing))
    tz = timezone.get_current_timezone()
    if filters.created_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.created_from, time.min, tzinfo=tz))
    if filters.created_to:
        qs = qs.filter(created_at__lte=datetime.combine(filters.created_to, time.max, tzinfo=tz))
    if filters.assigned == "me":
        qs = qs.filter(assignment__assignee=user)
    elif filters.assigned == "unassigned":
        qs = qs.filter(assignment__isnull=True)
    page = _keyset(qs, cursor=cursor, newest_first=not filters.oldest_first, size=size)
    _attach_check_summaries(page.items)
    return page


def _attach_check_summaries(cases: list[Case]) -> None:
    """One query for the page: ``case.check_summary`` = list of (provider, operation, passed, code)."""
    by_case: dict[int, list] = {c.pk: [] for c in cases}
    for row in Check.objects.filter(case__in=by_case).values_list(
            "case_id", "provider", "operation", "status", "passed", "error_code").order_by("pk"):
        by_case[row[0]].append(row[1:])
    for case in cases:
        case.check_summary = by_case[case.pk]


def queue_providers() -> list[str]:
    """Providers a filter can name: every provider with a default threshold plus any seen in policies."""
    names = {p for p, _ in DEFAULTS} | set(ThresholdPolicy.objects.values_list("provider", flat=True).distinct())
    return sorted(names)


# --- one case --------------------------------------------------------------------------------

def case_for_review(*, public_id) -> Case | None:
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return Case.objects.select_related("partner", "assignment__assignee").filter(public_id=public_id).first()


def case_blob_ids(*, case: Case) -> set[str]:
    ids: set[str] = set()
    for row in case.submissions.values_list("selfie_id", "video_id", "card_id"):
        ids.update(str(x) for x in row if x)
    for row in case.checks.values_list("best_frame_id", "face_crop_id"):
        ids.update(str(x) for x in row if x)
    return ids


@dataclass
class ScoreView:
    metric: str
    value: float
    scale: float
    threshold: float | None
    passed: bool | None
    policy_version: int | None
    meaning: str
    value_pct: float
    threshold_pct: float | None


@dataclass
class CheckView:
    check: Check
    scores: list[ScoreView]
    entry: Any  # catalogue.CatalogueEntry or None
    attempts: list
    raw_json: str


@dataclass
class TimelineItem:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    actor: str = ""


@dataclass
class CaseReview:
    case: Case
    submissions: list
    checks: list[CheckView]
    decisions: list[Decision]
    notes: list[CaseNote]
    timeline: list[TimelineItem]
    media: list[dict] = field(default_factory=list)
    failing_count: int = 0


def _score_view(check: Check, score: Score) -> ScoreView:
    scale = score.scale or 100.0
    threshold = score.threshold
    return ScoreView(
        metric=score.metric, value=score.value, scale=scale, threshold=threshold, passed=score.passed,
        policy_version=score.policy.version if score.policy_id else None,
        meaning=threshold_meaning(provider=check.provider, metric=score.metric, value=threshold)
        if threshold is not None else "",
        value_pct=max(0.0, min(100.0, score.value / scale * 100)),
        threshold_pct=None if threshold is None else max(0.0, min(100.0, threshold / scale * 100)),
    )


def case_review(*, case: Case) -> CaseReview:
    """Everything the case page shows, in a fixed number of queries."""
    submissions = list(case.submissions.select_related("selfie", "video", "card", "challenge").order_by("created_at", "pk"))
    checks = list(case.checks.select_related("best_frame", "face_crop")
                  .prefetch_related("scores__policy", "attempt_rows").order_by("created_at", "pk"))
    decisions = list(case.decisions.order_by("created_at", "pk"))
    notes = list(case.notes.all())
    events = list(case.audit_events.exclude(action__in=["case.viewed", "media.viewed"]).order_by("created_at", "pk")[:500])

    check_views = []
    for check in checks:
        entry = catalogue.lookup(check.error_vendor, check.error_code) if check.error_code else None
        check_views.append(CheckView(
            check=check, scores=[_score_view(check, s) for s in check.scores.all()], entry=entry,
            attempts=list(check.attempt_rows.all()),
            raw_json=json.dumps(check.raw_response, indent=2, ensure_ascii=False, sort_keys=True)))

    media = []
    for sub in submissions:
        for role in ("selfie", "card", "video"):
            blob = getattr(sub, role)
            if blob:
                media.append({"role": role, "label": blob.get_kind_display(), "blob": blob, "submission": sub.pk})
    for check in checks:
        for role in ("best_frame", "face_crop"):
            blob = getattr(check, role)
            if blob:
                media.append({"role": role, "label": f"{blob.get_kind_display()} · {check.provider}", "blob": blob,
                              "submission": check.submission_id})

    timeline = [TimelineItem(e.created_at, "audit", e.action, _event_detail(e), e.actor_label) for e in events]
    timeline += [TimelineItem(c.finished_at or c.created_at, "check",
                              f"check {c.provider} {c.get_operation_display()}: "
                              f"{'passed' if c.passed else c.get_status_display().lower() if c.status != 'done' else 'not passed'}",
                              c.error_code) for c in checks]
    timeline += [TimelineItem(d.created_at, "decision", f"decision: {d.get_outcome_display()}", d.reason_code,
                              d.decided_by_label) for d in decisions]
    timeline += [TimelineItem(n.created_at, "note", "note", n.body, n.author_label) for n in notes]
    timeline.sort(key=lambda item: item.at)

    latest = submissions[-1].pk if submissions else None
    failing = [c for c in checks if c.submission_id == latest and (c.status == CheckStatus.FAILED or c.passed is not True)]
    return CaseReview(case=case, submissions=submissions, checks=check_views, decisions=decisions, notes=notes,
                      timeline=timeline, media=media, failing_count=len(failing))


def _event_detail(event: AuditEvent) -> str:
    d = event.details or {}
    if event.action == "case.transition":
        return f"{d.get('from')} → {d.get('to')}: {d.get('reason', '')}"
    return ", ".join(f"{k}={v}" for k, v in d.items() if k not in ("failing_checks",))[:300]


# --- audit -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""
    case: str = ""
    created_from: date | None = None
    created_to: date | None = None


def audit_events(*, filters: AuditFilter) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("case")
    if filters.action:
        qs = qs.filter(action__startswith=filters.action)
    if filters.actor:
        qs = qs.filter(actor_label__icontains=filters.actor)
    if filters.case:
        try:
            qs = qs.filter(case__public_id=uuid.UUID(filters.case))
        except ValueError:
            qs = qs.filter(case__reference=filters.case)
    tz = timezone.get_current_timezone()
    if filters.created_from:
        qs = qs.filter(created_at__gte=datetime.combine(filters.created_from, time.min, tzinfo=tz))
    if filters.created_to:
        qs = qs.filter(created_at__lte=datetime.combine(filters.created_to, time.max, tzinfo=tz))
    return qs


def audit_page(*, filters: AuditFilter, cursor: str | None = None, size: int = PAGE_SIZE) -> Page:
    return _keyset(audit_events(filters=filters), cursor=cursor, newest_first=True, size=size)


def audit_actions() -> list[str]:
    return sorted(AuditEvent.objects.order_by().values_list("action", flat=True).distinct()[:200])


# --- thresholds ------------------------------------------------------------------------------

@dataclass
class ThresholdRow:
    provider: str
    metric: str
    current: ThresholdPolicy | None
    default: Any
    meaning: str
    history: list[ThresholdPolicy]


def threshold_rows() -> list[ThresholdRow]:
    """Every provider metric with a default or a policy: current version, default and its sources."""
    policies: dict[tuple[str, str], list[ThresholdPolicy]] = {}
    for policy in ThresholdPolicy.objects.select_related("created_by").order_by("provider", "metric", "-version"):
        policies.setdefault((policy.provider, policy.metric), []).append(policy)
    rows = []
    for provider, metric in sorted(set(DEFAULTS) | set(policies)):
        history = policies.get((provider, metric), [])
        current = history[0] if history else None
        default = threshold_default(provider=provider, metric=metric)
        value = current.value if current else (default.value if default else None)
        rows.append(ThresholdRow(provider, metric, current, default,
                                 threshold_meaning(provider=provider, metric=metric, value=value) if value is not None else "",
                                 history))
    return rows


def threshold_row(*, provider: str, metric: str) -> ThresholdRow | None:
    return next((r for r in threshold_rows() if r.provider == provider and r.metric == metric), None)


@dataclass
class ThresholdPreview:
    value: float
    current: float
    scale: float
    sample: int
    pass_to_fail: int
    fail_to_pass: int
    meaning: str
    bins: list[dict]
    current_x: float
    proposed_x: float


HIST_W, HIST_H, HIST_BINS = 400, 120, 20


def threshold_preview(*, provider: str, metric: str, value: float, current: float, scale: float,
                      last_n: int = 1000) -> ThresholdPreview:
    """What a new threshold would have done to the last ``last_n`` scores of this provider metric.

    A score *flips* when it passes under the current value and fails under the proposed one,
    or the other way round. The histogram is laid out here (SVG coordinates) so the template
    only draws rectangles.
    """
    values = list(Score.objects.filter(check_run__provider=provider, metric=metric)
                  .order_by("-pk").values_list("value", flat=True)[:last_n])
    pass_to_fail = sum(1 for v in values if v >= current and v < value)
    fail_to_pass = sum(1 for v in values if v < current and v >= value)
    counts = [0] * HIST_BINS
    for v in values:
        counts[min(HIST_BINS - 1, max(0, int(v / scale * HIST_BINS)))] += 1
    peak = max(counts) or 1
    width = HIST_W / HIST_BINS
    bins = []
    for i, n in enumerate(counts):
        h = n / peak * (HIST_H - 10)
        lo = i * scale / HIST_BINS
        bins.append({"x": round(i * width, 1), "y": round(HIST_H - h, 1), "w": round(width - 1, 1),
                     "h": round(h, 1), "n": n, "lo": lo, "hi": lo + scale / HIST_BINS,
                     "flip": (lo < max(value, current) and lo + scale / HIST_BINS > min(value, current))})
    return ThresholdPreview(
        value=value, current=current, scale=scale, sample=len(values), pass_to_fail=pass_to_fail,
        fail_to_pass=fail_to_pass, meaning=threshold_meaning(provider=provider, metric=metric, value=value),
        bins=bins, current_x=round(current / scale * HIST_W, 1), proposed_x=round(value / scale * HIST_W, 1))


def assignable_reviewers() -> list:
    """Active staff who may decide cases: the people a supervisor can hand a case to."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    decide = Q(groups__permissions__codename="case_decide") | Q(user_permissions__codename="case_decide")
    return list(get_user_model().objects.filter(is_active=True, is_staff=True).filter(decide | Q(is_superuser=True))
                .distinct().order_by("username")[:500])
