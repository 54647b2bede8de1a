"""Reads for the dashboard: the queue (fast at a million cases), a case's full story, audit, thresholds.

Pagination is keyset (``created_at, pk``), never OFFSET, and counts are bounded
(``COUNT`` over a ``LIMIT`` subquery), so the queue costs the same on page 1 and
page 10,000 and on 1k or 1M rows; the ``(state, created_at)`` index serves both.
"""
from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from liveness.cases.models import AuditEvent, Case, CaseState
from liveness.checks.models import Check, CheckStatus, Score, ThresholdPolicy
from liveness.checks.thresholds import DEFAULTS, threshold_default, threshold_meaning

COUNT_CAP = 10_000
#: Final states: nothing is left to work on, so such a case is never assigned.
CLOSED_STATES = frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.WITHDRAWN})
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
        qs = qs.filter(search_condition(filters.search))
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


def search_condition(term: str) -> Q:
    """Cases whose reference starts with ``term`` (any case) or whose public id starts with it.

    Both are index range scans, never a sequential scan of the table: the reference through
    ``case_reference_prefix_idx`` (``UPPER(reference)`` with ``varchar_pattern_ops``, migration
    ``review.0003``), the public id as the range of UUIDs between the prefix padded with 0s and
    with fs on its unique index (UUIDs sort by their bytes, i.e. by their hex digits). A whole
    public id is an exact match.
    """
    term = term.strip()
    try:
        return Q(public_id=uuid.UUID(term))
    except ValueError:
        pass
    condition = Q(reference__istartswith=term)
    digits = term.replace("-", "").lower()
    if digits and len(digits) <= 32 and _HEX.fullmatch(term):
        condition |= Q(public_id__gte=uuid.UUID(digits.ljust(32, "0")), public_id__lte=uuid.UUID(digits.ljust(32, "f")))
    return condition


_HEX = re.compile(r"[0-9a-fA-F-]+")


@dataclass(frozen=True)
class CheckTag:
    """Checks of a case with the same provider, result and code, shown once with their count."""
    provider: str
    code: str
    tone: str  # pass / fail / ""
    count: int


@dataclass(frozen=True)
class KeyScore:
    """A score of the case's latest submission beside its threshold, for the queue row."""
    provider: str
    metric: str
    value: float
    threshold: float | None
    passed: bool | None


def _attach_check_summaries(cases: list[Case]) -> None:
    """Two queries for the page: ``case.check_tags`` (checks grouped by provider, result and code,
    with a count) and ``case.key_scores`` (the latest submission's scores and thresholds)."""
    counts: dict[int, dict[tuple[str, str, str], int]] = {c.pk: {} for c in cases}
    latest: dict[int, int] = {}
    for case_id, submission_id, provider, status, passed, code in Check.objects.filter(case__in=counts).values_list(
            "case_id", "submission_id", "provider", "status", "passed", "error_code").order_by("pk"):
        tone = "pass" if passed else "fail" if status in (CheckStatus.DONE, CheckStatus.FAILED) else ""
        key = (provider, code, tone)
        counts[case_id][key] = counts[case_id].get(key, 0) + 1
        latest[case_id] = max(latest.get(case_id, 0), submission_id)
    scores: dict[int, list[KeyScore]] = {c.pk: [] for c in cases}
    for case_id, submission_id, provider, metric, value, threshold, passed in Score.objects.filter(
            check_run__case__in=counts).values_list(
            "check_run__case_id", "check_run__submission_id", "check_run__provider", "metric", "value", "threshold",
            "passed").order_by("check_run_id", "pk"):
        if submission_id == latest.get(case_id):
            scores[case_id].append(KeyScore(provider, metric, value, threshold, passed))
    for case in cases:
        case.check_tags = [CheckTag(p, code, tone, n) for (p, code, tone), n in counts[case.pk].items()]
        case.key_scores = scores[case.pk]
        case.can_assign = case.state not in CLOSED_STATES


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
