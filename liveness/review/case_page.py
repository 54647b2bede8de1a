"""What the case page shows, read in a fixed number of queries.

The page is organised by **submission**: each one the person sent is numbered in the order it
came (1 = first), listed newest first, and carries its own media side by side (selfie | face
similarity against its threshold | ID card | best video frame and face crops), its own checks,
and what happened to it (the states the case went through until the next submission, and a
reviewer's decision with its reason and message). Before this, every submission's checks and
photos were mixed under identical titles.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from liveness.cases.consent import case_consent
from liveness.cases.models import AuditEvent, Case, CaseState, Consent, ConsentSource, Decision, Submission
from liveness.cases.reasons import reason_label
from liveness.checks.models import Check, CheckStatus, Score
from liveness.checks.thresholds import threshold_meaning
from liveness.partners.models import WebhookDelivery
from liveness.partners.webhooks.history import LastAttempt, delivery_last_attempt
from liveness.review import wording
from liveness.review.models import CaseNote
from liveness.vendors import catalogue
from liveness.vendors.base import Metric

#: States a case ends in after a submission, with the tag colour the page gives them.
STATE_TONE: dict[str, str] = {CaseState.APPROVED: "pass", CaseState.REJECTED: "fail", CaseState.RETAKE_REQUESTED: "warn",
              CaseState.MANUAL_REVIEW: "warn"}


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
    provider: str = ""


@dataclass
class CheckView:
    check: Check
    scores: list[ScoreView]
    entry: Any  # catalogue.CatalogueEntry or None
    attempts: list
    raw_json: str


@dataclass
class Tile:
    """One photo or video of a submission."""
    role: str  # selfie, card, video, best_frame, face_crop
    label: str
    blob: Any  # media.MediaBlob


@dataclass
class SubmissionView:
    number: int
    submission: Submission
    latest: bool
    checks: list[CheckView] = field(default_factory=list)
    face: Tile | None = None  # the person's face: the selfie, else the video's best frame
    card: Tile | None = None
    extra: list[Tile] = field(default_factory=list)  # best frames / face crops not shown as ``face``
    video: Tile | None = None
    similarity: list[ScoreView] = field(default_factory=list)
    outcome: str = ""  # the state the case reached after this submission (label)
    outcome_tone: str = ""
    story: list[str] = field(default_factory=list)  # what happened to it, in order


@dataclass
class TimelineItem:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    actor: str = ""


@dataclass
class DeliveryView:
    delivery: WebhookDelivery
    last: LastAttempt
    problem: wording.DeliveryProblem | None


@dataclass
class CaseReview:
    case: Case
    submissions: list[SubmissionView]
    decisions: list[Decision]
    notes: list[CaseNote]
    timeline: list[TimelineItem]
    deliveries: list[DeliveryView] = field(default_factory=list)
    failing_count: int = 0
    consent: Consent | None = None

    @property
    def consent_line(self) -> str:
        """One sentence on the person's consent to the privacy notice (uploads are refused without it)."""
        return consent_line(self.consent)


def consent_line(consent: Consent | None) -> str:
    if consent is None:
        return "Consent: not given yet; uploads are refused until the person accepts the privacy notice"
    if consent.source == ConsentSource.CAPTURE_PAGE:
        where = "on the capture page" + (f", {consent.language}" if consent.language else "")
    else:
        where = "recorded by the partner"
    line = (f"Consent: given {timezone.localtime(consent.given_at):%Y-%m-%d %H:%M:%S} to privacy notice "
            f"{consent.notice_version} ({where})")
    if consent.withdrawn_at is not None:
        line += (f"; withdrawn {timezone.localtime(consent.withdrawn_at):%Y-%m-%d %H:%M:%S}: the case's photos and "
                 f"video were deleted then")
    return line


def score_view(check: Check, score: Score) -> ScoreView:
    scale = score.scale or 100.0
    threshold = score.threshold
    return ScoreView(
        metric=score.metric, value=score.value, scale=scale, threshold=threshold, passed=score.passed,
        policy_version=score.policy.version if score.policy_id else None,
        meaning=threshold_meaning(provider=check.provider, metric=score.metric, value=threshold)
        if threshold is not None else "",
        value_pct=max(0.0, min(100.0, score.value / scale * 100)),
        threshold_pct=None if threshold is None else max(0.0, min(100.0, threshold / scale * 100)),
        provider=check.provider,
    )


def _tile(role: str, blob, provider: str = "") -> Tile:
    label = blob.get_kind_display().replace(" (returned)", "")
    return Tile(role=role, label=f"{label} · {provider}" if provider else label, blob=blob)


def _story(sub_start: datetime, sub_end: datetime | None, transitions: list[AuditEvent],
           decisions: list[Decision]) -> tuple[list[str], str]:
    """What happened between this submission and the next: ``(sentences, last state)``."""
    def inside(at: datetime) -> bool:
        return at >= sub_start and (sub_end is None or at < sub_end)

    story, state = [], ""
    moves = [e for e in transitions if inside(e.created_at) and (e.details or {}).get("to") != CaseState.PROCESSING]
    decided = [d for d in decisions if inside(d.created_at)]
    for event in moves:
        to = (event.details or {}).get("to", "")
        state = to
        label = CaseState(to).label if to in CaseState.values else to
        if event.actor_id is None:
            reason = (event.details or {}).get("reason", "")
            story.append(f"{label} (automatic){': ' + reason if reason else ''}")
    for decision in decided:
        sentence = (f"{decision.get_outcome_display()} by {decision.decided_by_label or 'the system'}: "
                    f"{reason_label(outcome=decision.outcome, reason_code=decision.reason_code)}")
        if decision.user_message:
            sentence += f". Message to the person: “{decision.user_message}”"
        story.append(sentence)
    return story, state


def case_review(*, case: Case) -> CaseReview:
    """Everything the case page shows, in a fixed number of queries."""
    submissions = list(case.submissions.select_related("selfie", "video", "card", "challenge")
                       .order_by("created_at", "pk"))
    checks = list(case.checks.select_related("best_frame", "face_crop")
                  .prefetch_related("scores__policy", "attempt_rows").order_by("created_at", "pk"))
    decisions = list(case.decisions.order_by("created_at", "pk"))
    notes = list(case.notes.all())
    events = list(case.audit_events.exclude(action__in=["case.viewed", "media.viewed"])
                  .order_by("created_at", "pk")[:500])
    deliveries = list(WebhookDelivery.objects.filter(case=case).select_related("endpoint")
                      .prefetch_related("attempt_rows").order_by("-created_at")[:50])
    transitions = [e for e in events if e.action == "case.transition"]

    views: list[SubmissionView] = []
    by_pk: dict[int, SubmissionView] = {}
    for number, sub in enumerate(submissions, start=1):
        view = SubmissionView(number=number, submission=sub, latest=number == len(submissions))
        if sub.selfie:
            view.face = _tile("selfie", sub.selfie)
        if sub.card:
            view.card = _tile("card", sub.card)
        if sub.video:
            view.video = _tile("video", sub.video)
        end = submissions[number].created_at if number < len(submissions) else None
        view.story, state = _story(sub.created_at, end, transitions, decisions)
        view.outcome = CaseState(state).label if state in CaseState.values else (
            "Processing" if view.latest and case.state == CaseState.PROCESSING else "")
        view.outcome_tone = STATE_TONE.get(state, "")
        views.append(view)
        by_pk[sub.pk] = view

    for check in checks:
        view = by_pk.get(check.submission_id)
        if view is None:
            continue
        entry = catalogue.lookup(check.error_vendor, check.error_code) if check.error_code else None
        scores = [score_view(check, s) for s in check.scores.all()]
        view.checks.append(CheckView(
            check=check, scores=scores, entry=entry, attempts=list(check.attempt_rows.all()),
            raw_json=json.dumps(check.raw_response, indent=2, ensure_ascii=False, sort_keys=True)))
        view.similarity += [s for s in scores if s.metric == Metric.SIMILARITY]
        for role in ("best_frame", "face_crop"):
            blob = getattr(check, role)
            if blob is None:
                continue
            if view.face is None and role == "best_frame":
                view.face = _tile(role, blob, check.provider)
            else:
                view.extra.append(_tile(role, blob, check.provider))

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
    return CaseReview(case=case, submissions=views[::-1], decisions=decisions, notes=notes, timeline=timeline,
                      deliveries=[_delivery_view(d) for d in deliveries],
                      failing_count=len(failing), consent=case_consent(case=case))


def _delivery_view(delivery: WebhookDelivery) -> DeliveryView:
    last = delivery_last_attempt(delivery=delivery)
    return DeliveryView(delivery, last, wording.delivery_problem(last.error))


def _event_detail(event: AuditEvent) -> str:
    d = event.details or {}
    if event.action == "case.transition":
        return f"{d.get('from')} → {d.get('to')}: {d.get('reason', '')}"
    rows = wording.detail_rows({k: v for k, v in d.items() if k != "failing_checks"})
    return " · ".join(f"{label}: {value}" for label, value in rows)[:300]
