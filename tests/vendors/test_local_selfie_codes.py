"""The local provider's selfie verdicts that the decision policy routes by code (issue 18 item 5): a face
too blurred to judge is LOCAL_BLURRY (retake), not a bare low score (manual review)."""
from __future__ import annotations

import pytest

from liveness.cases.policy import CheckFacts, Route, policy_route
from liveness.vendors import catalogue
from liveness.vendors.base import Media
from liveness.vendors.local.adapter import LocalProvider
from tests import mediagen

pytestmark = pytest.mark.unit


def _check(jpeg: bytes):
    return LocalProvider(config={}).check_selfie(image=Media(jpeg, "image/jpeg", "selfie.jpg"))


def test_a_blurred_selfie_fails_with_the_blurry_code_and_goes_to_retake():
    result = _check(mediagen.selfie_jpeg(blur=5))
    assert (result.vendor, result.error_code) == ("local", "LOCAL_BLURRY")
    assert result.error_message.startswith("LOCAL_BLURRY: sharpness")
    entry = catalogue.lookup("local", "LOCAL_BLURRY")
    route = policy_route(checks=[CheckFacts(status="done", passed=False, error_vendor="local",
                                            error_code=result.error_code, error_category=entry.category.value)])
    assert route is Route.RETAKE
    assert "blurry" in entry.user_message_en


def test_a_sharp_selfie_and_a_slightly_soft_one_carry_no_code():
    assert _check(mediagen.selfie_jpeg()).error_code == ""
    assert _check(mediagen.selfie_jpeg(blur=1)).error_code == ""


def test_a_blurred_print_is_not_called_merely_blurry():
    """A presentation-attack finding beside the blur keeps the check code-less (a reviewer looks at it)."""
    result = _check(mediagen.selfie_jpeg(blur=5, grayscale=True))
    assert result.error_code != "LOCAL_BLURRY"
