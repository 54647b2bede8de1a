"""The automatic decision policy in one place: which check results go to approve, retake or manual review.

A pure function over the facts of the latest submission's checks (no database), used by
:func:`liveness.cases.services.case_evaluate` and documented row by row in ``docs/decisions.md``.
Rejection is never automatic. Rows, first match wins, for every provider kind (cloud vendors and the
local engine alike; a vendor's codes differ, their catalogue category does not):

1. every check passed → approve (manual review when ``KYC_AUTO_APPROVE`` is off);
2. any failing check carries a code in :data:`REVIEW_CODES` → manual review (a reviewer must look);
3. every failing check finished (``done``) with a code the person can fix (category
   ``user_fixable``, or listed in :data:`RETAKE_CODES`) → retake, unless the case was already sent
   back ``retake_limit`` times by this policy: then manual review (a person stuck in a loop gets a
   human; and someone trying a dubbed video or a print again and again meets one: the engine's
   lip-sync and attack refusals are "fixable" codes, and each try is a new draw);
4. anything else (a score under its threshold without a code, possible fraud, a vendor or
   configuration failure, a check that failed to run) → manual review.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Codes reviewers must look at whatever their category: a possibly dubbed video; a camera selfie whose
#: burst shows a still picture (a photo fed to a virtual camera, ``liveness.media.burst``).
REVIEW_CODES: frozenset[tuple[str, str]] = frozenset({
    ("local", "LOCAL_NO_LIP_MOVEMENT"), ("internal", "frozen_camera_feed")})
#: Codes that mean retake whatever their category (the README: blurry means retake; the local provider
#: reports a selfie too blurred to judge as ``LOCAL_BLURRY``, ``liveness.vendors.local.adapter.too_blurred``).
RETAKE_CODES: frozenset[tuple[str, str]] = frozenset({("local", "LOCAL_BLURRY")})


class Route(str, Enum):
    APPROVE = "approve"
    RETAKE = "retake"
    MANUAL_REVIEW = "manual_review"


@dataclass(frozen=True)
class CheckFacts:
    """What the policy reads of one check: its job status, whether it passed, and its error."""

    status: str  # "done" | "failed" (a check that never got an answer)
    passed: bool | None
    error_vendor: str = ""
    error_code: str = ""
    error_category: str = ""


def policy_route(*, checks: list[CheckFacts], auto_approve: bool = True, automatic_retakes: int = 0,
                 retake_limit: int | None = None) -> Route:
    """The route of a submission whose checks all finished (see the module's rows).
    ``automatic_retakes``: how many times this policy already sent the case back;
    ``retake_limit``: how many it may (None: no limit)."""
    failing = [c for c in checks if c.passed is not True]
    if not failing:
        return Route.APPROVE if auto_approve else Route.MANUAL_REVIEW
    if any((c.error_vendor, c.error_code) in REVIEW_CODES for c in failing):
        return Route.MANUAL_REVIEW
    if all(c.status == "done" and (
            c.error_category == "user_fixable" or (c.error_vendor, c.error_code) in RETAKE_CODES) for c in failing):
        if retake_limit is not None and automatic_retakes >= retake_limit:
            return Route.MANUAL_REVIEW
        return Route.RETAKE
    return Route.MANUAL_REVIEW


def retakes_exhausted(*, checks: list[CheckFacts], automatic_retakes: int, retake_limit: int | None) -> bool:
    """Whether row 3 would send the person back but the case already was ``retake_limit`` times
    (the manual review :func:`policy_route` gives then, and the reason the pipeline writes)."""
    return (retake_limit is not None and automatic_retakes >= retake_limit
            and policy_route(checks=checks) is Route.RETAKE)
