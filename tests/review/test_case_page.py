"""The case page of a digit-video case: the video's best frame stands in for the selfie, the
similarity sits between it and the ID card, the video plays in the same row."""
from __future__ import annotations

import re

import pytest

from liveness.cases.models import CaseKind, CaseState, Submission
from liveness.cases.services import case_open, case_transition
from liveness.checks.judging import threshold_policy_current
from liveness.checks.models import Check, CheckStatus, Score
from liveness.media import files as media
from liveness.media.models import MediaKind
from liveness.vendors.base import Metric, Operation
from tests.conftest import staff_login
from tests.mediagen import card_jpeg, selfie_jpeg


@pytest.mark.django_db
def test_a_video_case_compares_its_best_frame_with_the_card(client, reviewer):
    case = case_open(kind=CaseKind.DIGIT_VIDEO, actor_label="test", reference="video-compare")
    frame = selfie_jpeg()
    submission = Submission.objects.create(
        case=case, kind=case.kind, source="test",
        video=media.blob_store(data=b"\x1aE\xdf\xa3 not really a video", kind=MediaKind.VIDEO, content_type="video/webm"),
        card=media.blob_store(data=card_jpeg(), kind=MediaKind.CARD, content_type="image/jpeg"))
    check = Check.objects.create(
        submission=submission, case=case, provider="local", operation=Operation.DIGIT_VIDEO, status=CheckStatus.DONE,
        attempts=1, passed=True, raw_response={},
        best_frame=media.blob_store(data=frame, kind=MediaKind.BEST_FRAME, content_type="image/jpeg"))
    policy = threshold_policy_current(provider="local", metric=Metric.SIMILARITY)
    Score.objects.create(check_run=check, metric=Metric.SIMILARITY, value=policy.value + 10, scale=policy.scale,
                         threshold=policy.value, policy=policy, passed=True)
    case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
    case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="test", actor_label="system:pipeline")
    staff_login(client, reviewer)

    html = client.get(f"/dashboard/cases/{case.public_id}/").content.decode()
    compare = html[html.index('class="compare"'):html.index('class="checks-title"')]
    order = re.findall(r'class="(tile [a-z_]+|similarity)"', compare)
    assert order == ["tile best_frame", "similarity", "tile card", "tile video"], order
    assert f"threshold {policy.value:g}" in compare and "same person: meets it" in compare
    assert "Submission 1 of 1" in html and "Manual review (automatic): test" in html
