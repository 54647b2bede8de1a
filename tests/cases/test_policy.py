"""The automatic decision policy (liveness/cases/policy.py, docs/decisions.md), row by row, per provider kind."""
from __future__ import annotations

import pytest

from liveness.cases.policy import CheckFacts, Route, policy_route
from liveness.vendors import catalogue

pytestmark = pytest.mark.unit


def _failed(vendor: str, code: str, *, status: str = "done") -> CheckFacts:
    category = catalogue.lookup(vendor, code).category.value if code else ""
    return CheckFacts(status=status, passed=False if status == "done" else None, error_vendor=vendor,
                      error_code=code, error_category=category)


PASSED = CheckFacts(status="done", passed=True)
BELOW_THRESHOLD = CheckFacts(status="done", passed=False)

# (row, checks, auto_approve, route): the table of docs/decisions.md
ROWS = [
    ("1 all passed", [PASSED], True, Route.APPROVE),
    ("1 all passed, two checks", [PASSED, PASSED], True, Route.APPROVE),
    ("1 all passed, auto approval off", [PASSED], False, Route.MANUAL_REVIEW),
    ("2 local no lip movement (may be dubbed)", [_failed("local", "LOCAL_NO_LIP_MOVEMENT")], True,
     Route.MANUAL_REVIEW),
    ("2 no lip movement beside a fixable code", [_failed("local", "LOCAL_NO_FACE"),
                                                 _failed("local", "LOCAL_NO_LIP_MOVEMENT")], True, Route.MANUAL_REVIEW),
    ("2 a camera selfie whose frames are frozen (a still picture fed to the camera)",
     [_failed("internal", "frozen_camera_feed")], True, Route.MANUAL_REVIEW),
    ("3 local no face", [_failed("local", "LOCAL_NO_FACE")], True, Route.RETAKE),
    ("3 local blurry", [_failed("local", "LOCAL_BLURRY")], True, Route.RETAKE),
    ("3 local wrong digits", [_failed("local", "LOCAL_WRONG_DIGITS")], True, Route.RETAKE),
    ("3 youtu digits not matched (cloud)", [_failed("youtu", "-5008")], True, Route.RETAKE),
    ("4 tencent cloud fake photo: possible fraud", [_failed("tencent_cloud", "FailedOperation.LifePhotoDetectFake")], True, Route.MANUAL_REVIEW),
    ("4 fixable and fraud together", [_failed("local", "LOCAL_NO_FACE"), _failed("youtu", "-5011")], True,
     Route.MANUAL_REVIEW),
    ("4 a score under its threshold", [BELOW_THRESHOLD], True, Route.MANUAL_REVIEW),
    ("4 a check that never got an answer", [_failed("http", "timeout", status="failed")], True,
     Route.MANUAL_REVIEW),
]


@pytest.mark.parametrize("checks, auto_approve, route", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_the_policy_table(checks, auto_approve, route):
    assert policy_route(checks=checks, auto_approve=auto_approve) is route


def test_the_codes_the_table_names_exist_in_the_catalogue():
    from liveness.cases.policy import RETAKE_CODES, REVIEW_CODES

    assert all(catalogue.is_known(vendor, code) for vendor, code in REVIEW_CODES | RETAKE_CODES)
