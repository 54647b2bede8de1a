"""Reviewer use cases: decide a case, assign it, note it, change a threshold.

Same rules as ``liveness.cases.services``: keyword-only ``<entity>_<action>`` functions,
``@transaction.atomic`` where they write, an ``AuditEvent`` for every change.
Permission rules that are *business* rules (only a supervisor approves over a failed
check, with a written justification) live here, not in views, so every caller gets them.
"""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from liveness.cases.audit import audit_record
from liveness.cases.reasons import REASON_CODES
from liveness.cases.models import Case, CaseState, Decision, DecisionOutcome
from liveness.cases.services import IllegalTransition, case_open, case_transition
from liveness.checks.judging import threshold_policy_current
from liveness.checks.models import Check, CheckStatus, ThresholdPolicy
from liveness.review.models import CaseAssignment, CaseNote
from liveness.review.selectors import CLOSED_STATES

# REASON_CODES (the structured reasons per outcome) lives in liveness.cases.reasons, imported above.

OUTCOME_STATE = {
    DecisionOutcome.APPROVE: CaseState.APPROVED,
    DecisionOutcome.REJECT: CaseState.REJECTED,
    DecisionOutcome.RETAKE: CaseState.RETAKE_REQUESTED,
}

PERM_DECIDE = "review.case_decide"
PERM_APPROVE_OVER_FAILED = "review.case_approve_over_failed"
PERM_THRESHOLD_CHANGE = "review.threshold_change"
PERM_ASSIGN_OTHERS = "review.case_assign_others"


class AssignmentRefused(Exception):
    pass


class CaseClosed(AssignmentRefused):
    """The case is approved or rejected: there is nothing left to assign."""


class DecisionRefused(Exception):
    """The decision is not allowed: ``code`` is machine-readable, the message is for the reviewer."""

    def __init__(self, code: str, message: str, *, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        #: extra facts for the ``decision.refused`` audit event (e.g. the failing checks)
        self.details = details or {}


def actor_label_for(user: AbstractBaseUser) -> str:
    return f"user:{user.get_username()}"


def decider_role(user: AbstractBaseUser) -> str:
    """The role partners see instead of a name: ``supervisor`` (may approve over a failed check) or
    ``reviewer``."""
    return "supervisor" if user.has_perm(PERM_APPROVE_OVER_FAILED) else "reviewer"


def case_failing_checks(*, case: Case) -> list[Check]:
    """Checks of the latest submission that did not pass (failed, or done with passed False/None)."""
    submission = case.submissions.order_by("-created_at", "-pk").first()
    if submission is None:
        return []
    return [c for c in submission.checks.all() if c.status == CheckStatus.FAILED or c.passed is not True]


def decision_make(
    *, case: Case, outcome: str, reason_code: str, actor: AbstractBaseUser, user_message: str = "",
    internal_comment: str = "", ip_address: str | None = None,
) -> Decision:
    """Record a human decision and move the case to its state, audited.

    Only a case in manual review is decided by a person (a processing case still has
    checks running; approved and rejected are final). Approving while any check of the
    latest submission did not pass needs the supervisor permission AND an internal
    comment saying why (one person, recorded by name: not a four-eyes, two-person check).
    An empty user message takes the reason code's default, so the end user always gets a sentence.
    Raises :class:`DecisionRefused`.

    Every attempted decision is audited, refusals included: a refused attempt (a reviewer
    trying to approve over a failed check, a closed case, ...) writes ``decision.refused``
    with the refusal code, its message and the attempted outcome and reason. The decision
    itself runs in its own transaction, which a refusal rolls back (nothing of the decision
    stays); the refusal's event is written after that rollback, outside it, so it is
    committed although the decision is not. (A caller that wraps this in its own
    transaction and then rolls back loses that event with everything else.)
    """
    try:
        return _decision_make_atomic(case=case, outcome=outcome, reason_code=reason_code, actor=actor,
                                     user_message=user_message, internal_comment=internal_comment,
                                     ip_address=ip_address)
    except DecisionRefused as refused:
        decision_refusal_record(case=case, actor=actor, refused=refused, outcome=outcome, reason_code=reason_code,
                                ip_address=ip_address)
        raise


def decision_refusal_record(*, case: Case, actor: AbstractBaseUser, refused: DecisionRefused, outcome: str,
                            reason_code: str, ip_address: str | None = None) -> None:
    """Audit a refused decision (``decision.refused``: its code, message, the attempted outcome and
    reason). Used by :func:`decision_make` and by the dashboard for a form it refuses before calling it
    (e.g. a reason of another outcome), so every refused save is on record."""
    audit_record(action="decision.refused", actor=actor, actor_label=actor_label_for(actor), case=case,
                 ip_address=ip_address,
                 details={"code": refused.code, "reason": refused.message, "outcome": str(outcome)[:50],
                          "reason_code": str(reason_code)[:100], **refused.details})


@transaction.atomic
def _decision_make_atomic(
    *, case: Case, outcome: str, reason_code: str, actor: AbstractBaseUser, user_message: str,
    internal_comment: str, ip_address: str | None,
) -> Decision:
    """The decision itself, all or nothing (see :func:`decision_make`, which audits refusals)."""
    if not actor.has_perm(PERM_DECIDE):
        raise DecisionRefused("forbidden", "You are not allowed to decide cases.")
    if outcome not in OUTCOME_STATE:
        raise DecisionRefused("bad_outcome", f"Unknown outcome {outcome!r}.")
    reasons = REASON_CODES[outcome]
    if reason_code not in reasons:
        raise DecisionRefused("bad_reason", f"Reason {reason_code!r} does not apply to {outcome}.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state != CaseState.MANUAL_REVIEW:
        raise DecisionRefused("not_in_review",
                              f"This case is {locked.get_state_display().lower()}; only cases in manual review "
                              "can be decided.")
    failing = case_failing_checks(case=locked)
    over_failed_check = outcome == DecisionOutcome.APPROVE and bool(failing)
    if over_failed_check:
        if not actor.has_perm(PERM_APPROVE_OVER_FAILED):
            raise DecisionRefused(
                "supervisor_required",
                f"{len(failing)} check(s) did not pass: only a supervisor can approve this case. "
                "Reject, request a retake, or leave a note and ask a supervisor.",
                details={"over_failed_check": True, "failing_checks": [c.pk for c in failing]})
        if not internal_comment.strip():
            raise DecisionRefused("comment_required",
                                  "Approving over a failed check needs an internal comment saying why.")
    label = actor_label_for(actor)
    decision = Decision.objects.create(
        case=locked, outcome=outcome, reason_code=reason_code,
        user_message=user_message.strip() or reasons[reason_code][1],
        internal_comment=internal_comment.strip(), decided_by=actor, decided_by_label=label,
        decided_by_role=decider_role(actor))
    audit_record(action="decision.made", actor=actor, actor_label=label, case=locked, ip_address=ip_address,
                 details={"decision": decision.pk, "outcome": outcome, "reason_code": reason_code,
                          "over_failed_check": over_failed_check, "failing_checks": [c.pk for c in failing]})
    try:
        case_transition(case=locked, to=OUTCOME_STATE[outcome], actor=actor, actor_label=label,
                        reason=f"{outcome}: {reasons[reason_code][0]}")
    except IllegalTransition as exc:  # pragma: no cover - guarded by the state check above
        raise DecisionRefused("illegal_transition", str(exc)) from exc
    CaseAssignment.objects.filter(case=locked).delete()
    case.refresh_from_db()
    return decision


@transaction.atomic
def case_assign(*, case: Case, assignee: AbstractBaseUser, actor: AbstractBaseUser,
                ip_address: str | None = None) -> CaseAssignment:
    """Make ``assignee`` the one reviewer working the case (replacing any previous one), audited.

    Anyone who may decide takes a case for themselves; handing it to someone else needs
    the supervisor's ``case_assign_others``, and the assignee must be able to work cases.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state in CLOSED_STATES:
        raise CaseClosed(f"This case is {locked.get_state_display().lower()}: a closed case cannot be assigned.")
    if assignee.pk != actor.pk and not actor.has_perm(PERM_ASSIGN_OTHERS):
        raise AssignmentRefused("Only a supervisor can assign a case to someone else.")
    if not (assignee.is_active and assignee.is_staff and assignee.has_perm(PERM_DECIDE)):
        raise AssignmentRefused(f"{assignee.get_username()} cannot work cases (not an active reviewer).")
    previous = CaseAssignment.objects.select_for_update().filter(case=case).first()
    assignment, _ = CaseAssignment.objects.update_or_create(case=case, defaults={"assignee": assignee})
    audit_record(action="case.assigned", actor=actor, actor_label=actor_label_for(actor), case=case,
                 ip_address=ip_address,
                 details={"assignee": assignee.get_username(),
                          "previous": previous.assignee.get_username() if previous else None})
    return assignment


@transaction.atomic
def note_add(*, case: Case, body: str, actor: AbstractBaseUser, ip_address: str | None = None) -> CaseNote:
    """An internal note; the audit event records that a note was written, not its text."""
    body = body.strip()
    if not body:
        raise ValueError("a note cannot be empty")
    label = actor_label_for(actor)
    note = CaseNote.objects.create(case=case, author=actor, author_label=label, body=body)
    audit_record(action="note.added", actor=actor, actor_label=label, case=case, ip_address=ip_address,
                 details={"note": note.pk, "length": len(body)})
    return note


class ThresholdChangeRefused(Exception):
    pass


@transaction.atomic
def threshold_policy_change(
    *, provider: str, metric: str, value: float, reason: str, actor: AbstractBaseUser,
    ip_address: str | None = None,
) -> ThresholdPolicy:
    """Create the next version of a threshold policy; earlier versions (and the scores they judged) stay.

    The current version is locked while the next one is written, so two admins saving at
    once get consecutive versions, not a clash. Version 1 (the default) is seeded first
    if the metric was never used, so history always starts from the documented default.
    """
    if not actor.has_perm(PERM_THRESHOLD_CHANGE):
        raise ThresholdChangeRefused("You are not allowed to change thresholds.")
    if not reason.strip():
        raise ThresholdChangeRefused("A reason is required.")
    current = threshold_policy_current(provider=provider, metric=metric)
    if current is None:
        raise ThresholdChangeRefused(f"No threshold is defined for {provider}/{metric}.")
    current = (ThresholdPolicy.objects.select_for_update()
               .filter(provider=provider, metric=metric).order_by("-version").first())
    if not 0 <= value <= current.scale:
        raise ThresholdChangeRefused(f"The threshold must be between 0 and {current.scale:g}.")
    try:
        with transaction.atomic():
            policy = ThresholdPolicy.objects.create(
                provider=provider, metric=metric, version=current.version + 1, value=value, scale=current.scale,
                reason=reason.strip(), created_by=actor)
    except IntegrityError as exc:  # pragma: no cover - the row lock makes this unlikely
        raise ThresholdChangeRefused("Someone saved a new version at the same time; reload and try again.") from exc
    audit_record(action="threshold.changed", actor=actor, actor_label=actor_label_for(actor), ip_address=ip_address,
                 details={"provider": provider, "metric": metric, "from": current.value, "to": value,
                          "from_version": current.version, "version": policy.version, "reason": reason.strip()})
    return policy


# --- reading, audited ------------------------------------------------------------------

def case_view_record(*, case: Case, actor: AbstractBaseUser, ip_address: str | None = None) -> None:
    """Opening a case shows biometric data and scores: every opening is an audit event."""
    audit_record(action="case.viewed", actor=actor, actor_label=actor_label_for(actor), case=case,
                 ip_address=ip_address)


class MediaNotFound(Exception):
    pass


def media_open(*, case: Case, blob_id, actor: AbstractBaseUser, ip_address: str | None = None,
               byte_range: str = ""):
    """Decrypt one medium of this case for a reviewer, audited; returns ``(blob, plaintext)``.

    The blob must belong to the case (a submission's selfie/video/card or a check's
    returned photo), so a URL cannot be edited to reach another case's media. The audit
    event is written before the bytes leave, in its own transaction, so a reader who
    aborts the download is still recorded. ``byte_range`` is the request's Range header (a
    video player seeking), kept in the event.
    """
    from liveness.media import files as media
    from liveness.review.selectors import case_blob_ids

    if str(blob_id) not in case_blob_ids(case=case):
        raise MediaNotFound("no such medium on this case")
    from liveness.media.models import MediaBlob

    blob = MediaBlob.objects.get(pk=blob_id)
    audit_record(action="media.viewed", actor=actor, actor_label=actor_label_for(actor), case=case,
                 ip_address=ip_address, details={"blob": str(blob.id), "kind": blob.kind,
                                                 **({"range": byte_range[:100]} if byte_range else {})})
    try:
        data = media.blob_read(blob)
    except FileNotFoundError as exc:
        raise MediaNotFound(str(exc)) from exc
    return blob, data


def audit_export_record(*, actor: AbstractBaseUser, filters, ip_address: str | None = None) -> None:
    """Exporting the log is itself an access to personal data: recorded with the filters used."""
    import dataclasses

    audit_record(action="audit.exported", actor=actor, actor_label=actor_label_for(actor), ip_address=ip_address,
                 details={k: str(v) for k, v in dataclasses.asdict(filters).items() if v})


def json_compact(data) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def case_invite(*, kind: str, reference: str, actor: AbstractBaseUser,
                ip_address: str | None = None) -> tuple[Case, str]:
    """Open a case on a reviewer's behalf and return it with its capture token (to send to the person)."""
    from liveness.capture.links import capture_token_make

    case = case_open(kind=kind, reference=reference, actor=actor, actor_label=actor_label_for(actor))
    audit_record(action="case.invited", actor=actor, actor_label=actor_label_for(actor), case=case,
                 ip_address=ip_address, details={"kind": kind})
    return case, capture_token_make(case=case)
