"""Reading cases: the decision that put a case where it is, and what to tell the person about it.

One definition, read by the capture pages, the partner API and the webhooks, so the person and the
partner are told the same thing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from django.utils import translation

from liveness.vendors import catalogue

from .models import Case, CaseState, Decision, DecisionOutcome, Submission
from .reasons import reason_default_message, reason_label

#: ``decided_by`` of a decision the pipeline took by itself.
SYSTEM_ROLE = "system"
GENERIC_RETRY = "Please try again."

#: The case states a decision leads to, and the outcome each one means.
STATE_OUTCOME = {
    CaseState.APPROVED: DecisionOutcome.APPROVE,
    CaseState.REJECTED: DecisionOutcome.REJECT,
    CaseState.RETAKE_REQUESTED: DecisionOutcome.RETAKE,
}


@dataclass(frozen=True)
class CaseDecision:
    """The decision behind a case's current state, as partners see it (never a person's name).

    ``decided_by`` is a role: ``reviewer``, ``supervisor`` or ``system`` (the automatic policy).
    ``user_message`` is what the person is told (English; the capture pages translate).
    """

    outcome: str
    reason_code: str
    reason: str
    user_message: str
    decided_by: str
    decided_at: datetime

    def as_json(self) -> dict:
        """JSON-ready (the timestamp as ISO 8601, ``Z`` for UTC), as webhooks and the API send it."""
        data = asdict(self)
        data["decided_at"] = self.decided_at.isoformat().replace("+00:00", "Z")
        return data


def _latest_submission(case: Case) -> Submission | None:
    return case.submissions.order_by("-created_at", "-pk").first()


def case_human_decision(*, case: Case) -> Decision | None:
    """The latest reviewer decision if it is about the latest submission (made after it), else None.

    A reviewer's retake followed by a new submission is history: the new submission's checks
    speak now, so the old decision must not be shown as current.
    """
    decision = case.decisions.order_by("-created_at", "-pk").first()
    if decision is None:
        return None
    submission = _latest_submission(case)
    if submission is not None and submission.created_at > decision.created_at:
        return None
    return decision


def case_decision(*, case: Case) -> CaseDecision | None:
    """The decision behind the case's state, or None while nothing is decided (waiting, processing,
    manual review).

    A reviewer's decision (:func:`case_human_decision`) when its outcome matches the state; else the
    automatic one, ``decided_by="system"``, dated when the case moved: ``checks_passed`` for an
    approval, ``checks_failed_user_fixable`` for a retake (the person's message from the catalogue).
    """
    outcome = STATE_OUTCOME.get(case.state)
    if outcome is None:
        return None
    decision = case_human_decision(case=case)
    if decision is not None and decision.outcome == outcome:
        return CaseDecision(
            outcome=decision.outcome, reason_code=decision.reason_code,
            reason=reason_label(outcome=decision.outcome, reason_code=decision.reason_code),
            user_message=decision.user_message, decided_by=decision.decided_by_role or "reviewer",
            decided_at=decision.created_at)
    if outcome == DecisionOutcome.REJECT:  # only people reject; a rejection without its row is legacy data
        return CaseDecision(outcome=outcome, reason_code="", reason=case.state_reason, user_message="",
                            decided_by=SYSTEM_ROLE, decided_at=case.state_changed_at)
    code = "checks_passed" if outcome == DecisionOutcome.APPROVE else "checks_failed_user_fixable"
    message = ""
    if outcome == DecisionOutcome.RETAKE:  # no reviewer's retake (checked above): the catalogue's message
        with translation.override("en"):
            message = _checks_retake_message(case)
    return CaseDecision(outcome=outcome, reason_code=code, reason=reason_label(outcome=outcome, reason_code=code),
                        user_message=message, decided_by=SYSTEM_ROLE, decided_at=case.state_changed_at)


def case_retake_message(*, case: Case, language: str | None = None) -> str:
    """What the person should do next when a retake is requested, in ``language`` ("" otherwise).

    1. A reviewer's retake about the latest submission: the reviewer's own words, then the reason's
       sentence in the person's language (only the sentence when the reviewer wrote nothing, as
       the stored message is then that sentence in English).
    2. Else the failing check of the LATEST submission that has a vendor code: the catalogue's
       message in the person's language (an older submission's code is never shown), followed by
       that of its ID-card photo's problem when the check failed on both (``raw_response["card_code"]``).
    3. Else the generic "Please try again.".

    ``language`` None: the active language. Never scores or vendor codes.
    """
    if case.state != CaseState.RETAKE_REQUESTED:
        return ""
    with translation.override(language or translation.get_language()):
        decision = case_human_decision(case=case)
        if decision is not None and decision.outcome == DecisionOutcome.RETAKE:
            return _reviewer_retake_message(decision)
        return _checks_retake_message(case)


def _checks_retake_message(case: Case) -> str:
    """Steps 2 and 3 of :func:`case_retake_message`, in the active language."""
    submission = _latest_submission(case)
    check = None
    if submission is not None:
        check = submission.checks.exclude(error_code="").order_by("-created_at", "-pk").first()
    if check is None:
        return translation.gettext(GENERIC_RETRY)
    message = catalogue.lookup(check.error_vendor, check.error_code).user_message(None)
    card_code = (check.raw_response or {}).get("card_code", "")
    if card_code and card_code != check.error_code and catalogue.is_known(check.error_vendor, card_code):
        # the ID-card photo failed too (no face on it): the person redoes both parts at once
        message = f"{message} {catalogue.lookup(check.error_vendor, card_code).user_message(None)}"
    return message


def _reviewer_retake_message(decision: Decision) -> str:
    default = reason_default_message(outcome=decision.outcome, reason_code=decision.reason_code)
    sentence = translation.gettext(default) if default else ""
    words = decision.user_message.strip()
    if not words or words == default:
        return sentence or translation.gettext(GENERIC_RETRY)
    if not sentence or sentence == words:
        return words
    return f"{words} {sentence}"
