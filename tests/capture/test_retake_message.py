"""Issue 18 items 1 and 2: what the person and the partner are told after a retake comes from ONE
selector (liveness.cases.selectors.case_retake_message): a reviewer's own words first, else the
latest submission's failing check, else "Please try again." once (never doubled)."""
from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from liveness.capture.links import capture_token_make
from liveness.cases.models import Case, CaseState, Submission
from liveness.cases.selectors import case_retake_message
from liveness.cases.services import case_transition
from liveness.checks.models import Check, CheckStatus
from liveness.partners import keys as partner_keys
from liveness.review.services import decision_make
from liveness.vendors import catalogue
from tests.review.conftest import make_review_case, role_user
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

WORDS = "Your photo was blurry, hold the phone still."
LIGHT_EN = "Please try again in good, even light and hold still."
LIGHT_ZH = "请在光线充足、均匀的地方重试，并保持不动。"


def _failed_submission(case: Case, *, vendor: str, code: str) -> Check:
    """A new submission of ``case`` whose one check failed with ``vendor``/``code`` ("" code: a score)."""
    submission = Submission.objects.create(case=case, kind=case.kind, source="test")
    return Check.objects.create(submission=submission, case=case, provider="local", operation="selfie_liveness",
                                status=CheckStatus.DONE, passed=False, error_vendor=vendor, error_code=code)


def _reviewer_retake(case: Case, *, words: str = WORDS) -> None:
    decision_make(case=case, outcome="retake", reason_code="poor_lighting", actor=role_user("rita", "reviewer"),
                  user_message=words)
    case.refresh_from_db()


def _status(client, case, lang: str) -> str:
    token = capture_token_make(case=case)
    return client.get(reverse("liveness:status-json", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE=lang).json()[
        "message"]


def _pages(client, case, lang: str) -> tuple[str, str]:
    token = capture_token_make(case=case)
    status = client.get(reverse("liveness:status", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE=lang)
    capture = client.get(reverse("liveness:capture", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE=lang)
    return (status.content.decode().replace("&#x27;", "'"), capture.content.decode().replace("&#x27;", "'"))


def _api_retake_message(case: Case) -> str:
    partner = PartnerFactory()
    Case.objects.filter(pk=case.pk).update(partner=partner)
    _, raw = partner_keys.key_create(partner=partner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api.get(f"/api/v1/cases/{case.public_id}").json()["retake_message"]


def test_a_reviewers_retake_message_reaches_the_status_page_the_capture_page_and_the_api(client):
    """Before: "Please try again: <the youtu -5008 digits message>" and the API the same; the words lost."""
    case = make_review_case()
    _reviewer_retake(case)

    assert _status(client, case, "en") == f"Please try again: {WORDS} {LIGHT_EN}"
    assert _status(client, case, "zh-hans") == f"请重试：{WORDS} {LIGHT_ZH}"
    for lang, light in (("en", LIGHT_EN), ("zh-hans", LIGHT_ZH)):
        status, capture = _pages(client, case, lang)
        assert WORDS in status and light in status and WORDS in capture and light in capture
        assert catalogue.lookup("youtu", "-5008").user_message_en not in status + capture
    assert _api_retake_message(case) == f"{WORDS} {LIGHT_EN}"


def test_a_retake_without_words_gives_the_reasons_sentence_in_the_persons_language(client):
    case = make_review_case()
    _reviewer_retake(case, words="")

    assert case_retake_message(case=case, language="en") == LIGHT_EN
    assert case_retake_message(case=case, language="zh-hans") == LIGHT_ZH
    assert _status(client, case, "zh-hans") == f"请重试：{LIGHT_ZH}"


def test_stale_codes_of_earlier_submissions_are_never_shown(client):
    """Issue 18 item 2: no face (automatic retake), then blurry (manual review), then a reviewer's retake."""
    case = make_review_case()
    Case.objects.filter(pk=case.pk).update(state=CaseState.RETAKE_REQUESTED)
    case.refresh_from_db()
    older = _failed_submission(case, vendor="local", code="LOCAL_NO_FACE")
    no_face = catalogue.lookup("local", "LOCAL_NO_FACE")
    assert case_retake_message(case=case, language="en") == no_face.user_message_en
    # a second submission, blurry; the pipeline sends it to review, a reviewer asks for a retake
    case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
    _failed_submission(case, vendor="local", code="LOCAL_BLURRY")
    case_transition(case=case, to=CaseState.MANUAL_REVIEW, reason="blurry", actor_label="test")
    _reviewer_retake(case, words="hold the phone still")

    for lang in ("en", "zh-hans"):
        assert "hold the phone still" in _status(client, case, lang)
        assert no_face.user_message_en not in _status(client, case, lang)
    assert _api_retake_message(case).startswith("hold the phone still")
    # a third submission whose check failed on a score (no code) after the reviewer's retake: neither
    # the reviewer's words (about an older submission) nor the older code, only the generic sentence
    case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
    _failed_submission(case, vendor="", code="")
    case_transition(case=case, to=CaseState.RETAKE_REQUESTED, reason="score", actor_label="test")
    assert older.error_code and case_retake_message(case=case, language="en") == "Please try again."
    assert _status(client, case, "en") == "Please try again."
    assert _status(client, case, "zh-hans") == "请重试。"


def test_the_latest_submissions_code_is_shown_in_english_and_chinese(client):
    case = make_review_case()
    Case.objects.filter(pk=case.pk).update(state=CaseState.RETAKE_REQUESTED)
    case.refresh_from_db()
    _failed_submission(case, vendor="local", code="LOCAL_BLURRY")
    blurry = catalogue.lookup("local", "LOCAL_BLURRY")

    assert _status(client, case, "en") == f"Please try again: {blurry.user_message_en}"
    assert _status(client, case, "zh-hans") == f"请重试：{blurry.user_message_zh}"
    assert _api_retake_message(case) == blurry.user_message_en


def test_no_reason_known_says_please_try_again_once(client):
    """Before: "Please try again: Please try again." (EN) / "请重试：请重试。" (ZH)."""
    case = make_review_case()
    Case.objects.filter(pk=case.pk).update(state=CaseState.RETAKE_REQUESTED)
    case.refresh_from_db()
    _failed_submission(case, vendor="", code="")

    assert _status(client, case, "en") == "Please try again."
    assert _status(client, case, "zh-hans") == "请重试。"
    assert _api_retake_message(case) == "Please try again."
