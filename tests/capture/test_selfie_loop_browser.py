"""Issue 18 items 5, 6 and 8 on the selfie and status pages, in headless Chromium with a fake camera
(the fixtures of test_capture_browser.py): the attempt limit hides capture at once; a frozen camera feed
is not approved; a camera selfie is stored unmirrored; the too-large message states the limit; a card
without a face is told to the person."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.db import connections
from PIL import Image

from liveness.capture.links import capture_token_make
from liveness.cases import services
from liveness.cases.models import Case, CaseKind, CaseState, Submission
from liveness.checks.models import Check, CheckStatus
from liveness.media import files as media
from liveness.vendors import catalogue
from tests import mediagen
from tests.capture.test_capture_browser import (  # noqa: F401  (fake_media is a fixture)
    CHROMIUM,
    PHONE,
    _launch,
    _page,
    _wait_for_outcome,
    fake_media,
)

from playwright import sync_api  # noqa: E402  (after test_capture_browser set DJANGO_ALLOW_ASYNC_UNSAFE)


def _failed(case: Case, *, code: str = "LOCAL_NO_FACE") -> Check:
    submission = Submission.objects.create(case=case, kind=case.kind, source="test")
    return Check.objects.create(submission=submission, case=case, provider="local", operation="selfie_liveness",
                                status=CheckStatus.DONE, passed=False, error_vendor="local", error_code=code)


@pytest.mark.django_db(transaction=True)
def test_the_attempt_limit_hides_capture_at_once_with_one_message_saying_when(live_server, fake_media):
    """Item 6. Before: after the 5th failure the status page said "Please try again: ... Too many
    unsuccessful attempts..." (two messages in one sentence) and still offered "Take another selfie", and
    the capture page offered the camera and the upload; the 429 came only on Send."""
    assert shutil.which(CHROMIUM)
    case = services.case_open(kind=CaseKind.SELFIE, actor_label="test", reference="limit")
    services.case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
    for _ in range(settings.KYC_CAPTURE_MAX_FAILURES - 1):
        _failed(case)
    fifth = Check.objects.create(submission=Submission.objects.create(case=case, kind=case.kind), case=case,
                                 provider="local", operation="selfie_liveness")
    token = capture_token_make(case=case)
    with sync_api.sync_playwright() as p:
        browser = _launch(p, fake_media)
        try:
            page, errors = _page(browser, live_server, "en", PHONE)
            page.goto(f"/c/{token}/status/")
            assert "outcome-processing" in page.get_attribute("#status-message", "class")
            # the 5th submission fails while the page is polling
            Check.objects.filter(pk=fifth.pk).update(status=CheckStatus.DONE, passed=False, error_vendor="local",
                                                     error_code="LOCAL_NO_FACE")
            services.case_transition(case=case, to=CaseState.RETAKE_REQUESTED, reason="no face", actor_label="test")
            page.wait_for_function("() => document.getElementById('status-message').className"
                                   ".includes('outcome-cooldown')", timeout=10_000)
            sentence = "Too many unsuccessful attempts. You can try again in about 10 minutes."
            assert page.inner_text("#status-message").strip() == sentence
            assert page.is_hidden("#retry")
            page.reload()  # rendered by the server the same way
            assert page.inner_text("#status-message").strip() == sentence and page.is_hidden("#retry")
            # the capture page itself: the one message, no camera, no upload, no Send
            page.goto(f"/c/{token}/")
            assert page.inner_text("#cooldown").strip() == sentence
            for selector in ("#use-camera", "input[type=file]", "#send", "#camera", ".notice:not(#cooldown)"):
                assert page.query_selector(selector) is None, selector
            assert errors == []
            page.context.close()

            page, errors = _page(browser, live_server, "zh-CN,zh;q=0.9", PHONE)
            page.goto(f"/c/{token}/")
            assert page.inner_text("#cooldown").strip() == "失败次数过多。请约 10 分钟后再试。"
            assert page.query_selector("input[type=file]") is None
            page.goto(f"/c/{token}/status/")
            assert page.inner_text("#status-message").strip() == "失败次数过多。请约 10 分钟后再试。"
            assert page.is_hidden("#retry") and errors == []
            page.context.close()
        finally:
            browser.close()
            connections.close_all()
