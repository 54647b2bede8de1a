"""Row 3 of the policy has a limit (KYC_AUTO_RETAKE_LIMIT): the pipeline sends a case back for a
retake on its own that many times; the next failure the person could fix goes to a reviewer, with
the reason saying why. A reviewer's own retakes do not count."""
from __future__ import annotations

import pytest

from liveness.cases.models import Case, CaseKind, CaseState
from liveness.cases.policy import CheckFacts, Route, policy_route, retakes_exhausted
from liveness.cases.services import case_evaluate, case_open, case_transition, submission_accept
from liveness.checks.models import Check, CheckStatus
from tests.mediagen import selfie_jpeg

WRONG_DIGITS = CheckFacts(status="done", passed=False, error_vendor="local", error_code="LOCAL_WRONG_DIGITS",
                          error_category="user_fixable")
NO_LIPS = CheckFacts(status="done", passed=False, error_vendor="local", error_code="LOCAL_NO_LIP_MOVEMENT",
                     error_category="user_fixable")


@pytest.mark.unit
@pytest.mark.parametrize("retakes, limit, route", [
    (0, 3, Route.RETAKE), (2, 3, Route.RETAKE), (3, 3, Route.MANUAL_REVIEW), (7, 3, Route.MANUAL_REVIEW),
    (0, 0, Route.MANUAL_REVIEW), (50, None, Route.RETAKE)])
def test_row_3_sends_the_person_back_until_the_limit(retakes, limit, route):
    assert policy_route(checks=[WRONG_DIGITS], automatic_retakes=retakes, retake_limit=limit) is route
    assert retakes_exhausted(checks=[WRONG_DIGITS], automatic_retakes=retakes,
                             retake_limit=limit) is (route is Route.MANUAL_REVIEW)


@pytest.mark.unit
def test_a_review_code_is_not_called_an_exhausted_retake():
    assert policy_route(checks=[NO_LIPS], automatic_retakes=0, retake_limit=3) is Route.MANUAL_REVIEW
    assert not retakes_exhausted(checks=[NO_LIPS], automatic_retakes=9, retake_limit=3)


def _submit_and_fail(case: Case) -> Case:
    submission = submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test")
    Check.objects.filter(submission=submission).update(
        status=CheckStatus.DONE, passed=False, error_vendor="local", error_code="LOCAL_WRONG_DIGITS",
        error_category="user_fixable")
    return case_evaluate(case_id=case.pk)


@pytest.mark.django_db
def test_the_fourth_fixable_failure_goes_to_a_reviewer_and_says_why(settings):
    settings.KYC_AUTO_RETAKE_LIMIT = 3
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    # a reviewer's retake is the reviewer's decision, not one of the pipeline's
    Case.objects.filter(pk=case.pk).update(state=CaseState.MANUAL_REVIEW)
    case_transition(case=case, to=CaseState.RETAKE_REQUESTED, reason="blurry", actor_label="reviewer:rita")

    states = [_submit_and_fail(case).state for _ in range(4)]

    assert states == [CaseState.RETAKE_REQUESTED] * 3 + [CaseState.MANUAL_REVIEW]
    case.refresh_from_db()
    assert case.state_reason.startswith("failed again after 3 automatic retake(s), so a reviewer looks: ")
    assert "LOCAL_WRONG_DIGITS" in case.state_reason
