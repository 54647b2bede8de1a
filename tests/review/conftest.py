"""Dashboard fixtures: users in each role, and a case in manual review with real encrypted media."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission

from liveness.cases.models import Case, CaseKind, CaseState, Consent, ConsentSource, Submission
from liveness.cases.services import case_open, case_transition
from liveness.checks.judging import threshold_policy_current
from liveness.checks.models import Check, CheckStatus, Score
from liveness.jobs.models import AttemptOutcome
from liveness.media import files as media
from liveness.media.models import MediaKind
from liveness.vendors import catalogue
from liveness.vendors.base import Metric, Operation
from liveness.review.models import DASHBOARD_GROUPS
from tests.factories import UserFactory
from tests.mediagen import selfie_jpeg

PASSWORD = "correct-horse-battery-staple"


def role_user(username: str, group: str | None, *, staff: bool = True):
    """A staff user in one dashboard group (groups are re-made: transactional tests flush the data migration's)."""
    user = UserFactory(username=username, is_staff=staff)
    user.set_password(PASSWORD)
    user.save()
    if group:
        g, _ = Group.objects.get_or_create(name=group)
        g.permissions.set(Permission.objects.filter(content_type__app_label="review",
                                                    codename__in=DASHBOARD_GROUPS[group]))
        user.groups.add(g)
    return user


@pytest.fixture
def reviewer(db):
    return role_user("rita", "reviewer")


@pytest.fixture
def supervisor(db):
    return role_user("sam", "supervisor")


@pytest.fixture
def compliance_admin(db):
    return role_user("ada", "compliance_admin")


def make_review_case(*, passed: bool = False, reference: str = "ref-dash-1", score: float = 41.5,
                     provider: str = "local") -> Case:
    """A selfie case the pipeline sent to manual review: one done check with a score under its threshold."""
    case = case_open(kind=CaseKind.SELFIE, actor_label="test", reference=reference)
    # the person accepted the capture page's notice before sending the selfie
    Consent.objects.create(case=case, notice_version="test", source=ConsentSource.CAPTURE_PAGE, actor_label="test")
    selfie = selfie_jpeg()
    blob = media.blob_store(data=selfie, kind=MediaKind.SELFIE, content_type="image/jpeg")
    crop = media.blob_store(data=selfie, kind=MediaKind.FACE_CROP, content_type="image/jpeg")
    submission = Submission.objects.create(case=case, kind=case.kind, selfie=blob, source="test")
    policy = threshold_policy_current(provider=provider, metric=Metric.LIVENESS)
    check = Check.objects.create(
        submission=submission, case=case, provider=provider, operation=Operation.SELFIE_LIVENESS,
        status=CheckStatus.DONE, attempts=1, passed=passed, latency_ms=321, request_id="req-abc-123",
        error_vendor="" if passed else "youtu", error_code="" if passed else "-5008",
        error_category="" if passed else catalogue.lookup("youtu", "-5008").category.value,
        raw_response={"errorcode": 0 if passed else -5008, "score": score}, face_crop=crop)
    check.attempt_rows.create(number=1, outcome=AttemptOutcome.ANSWERED, latency_ms=321)
    Score.objects.create(check_run=check, metric=Metric.LIVENESS, value=score, scale=policy.scale,
                         threshold=policy.value, policy=policy, passed=score >= policy.value)
    case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
    case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="score below threshold",
                             actor_label="system:pipeline")
    case.refresh_from_db()
    case.selfie_blob = blob
    case.selfie_bytes = selfie
    return case


@pytest.fixture
def review_case(db):
    return make_review_case()
