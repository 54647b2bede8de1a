"""The digit-video page in headless Chromium (issue 18 item 7, issue 16 item 2, issue 17's per-link limit).

* Camera refused (no ``--use-fake-ui-for-media-stream``, no permission in the context): no digits are
  issued; the page says why, offers Retry (which works once the camera is allowed) and a video-file
  upload; the uploaded file goes through the server's checks and a real worker's check to an outcome.
* The reading language chosen on the page is kept on the challenge and reaches the provider (the
  check's ``raw_response["digit_language"]``), in English and Mandarin.
* A capture link asks for digits at most ``KYC_CHALLENGES_PER_LINK`` times: the next tab shows the 429's
  sentence; another link of the same case still gets digits.

Fixtures and helpers are those of ``test_capture_browser.py`` (fake camera and microphone).
"""
from __future__ import annotations

import os
import time

import pytest
from django.db import connections

from liveness.capture.links import capture_token_make
from liveness.cases.models import Case, CaseKind, CaseState, Challenge, Submission
from liveness.checks.models import Check
from liveness.vendors.local.adapter import LocalProvider
from tests import mediagen
from tests.capture.browser import (
    ACCEPT_NOTICE,
    CHROMIUM,
    DIGITS,
    PHONE,
    launch,
    open_page,
    record_digit_video,
    shot,
    wait_for_outcome,
    fake_devices,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright import sync_api  # noqa: E402


@pytest.fixture(scope="module")
def devices(tmp_path_factory):
    """test_capture_browser's fake camera (a face mouthing DIGITS) and microphone (espeak), and a card photo."""
    folder = tmp_path_factory.mktemp("video-page")
    card = folder / "card.jpg"
    card.write_bytes(mediagen.card_jpeg())
    return {**fake_devices(folder), "card": card}


def _launch_without_camera_consent(p, devices):
    """Chromium with the fake devices but without the flag that accepts every camera prompt: in a
    context given no permission, getUserMedia is refused (NotAllowedError), as when a person says no."""
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={devices['y4m']}",
        f"--use-file-for-fake-audio-capture={devices['wav']}"])


def _denied_page(browser, live_server, lang="en"):
    context = browser.new_context(viewport=PHONE, extra_http_headers={"Accept-Language": lang},
                                  permissions=[], base_url=live_server.url)
    context.add_init_script(ACCEPT_NOTICE)  # the privacy notice first, as every capture
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def _open_video_page(page):
    page.goto("/")
    page.click("#start-video")
    page.wait_for_selector("#video-app")


@pytest.mark.django_db(transaction=True)
def test_camera_refused_shows_retry_and_a_file_upload_and_retry_works_once_allowed(live_server, devices,
                                                                                      monkeypatch):
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    with sync_api.sync_playwright() as p:
        browser = _launch_without_camera_consent(p, devices)
        try:
            page, errors = _denied_page(browser, live_server)
            _open_video_page(page)
            page.click("#start-camera")
            page.wait_for_selector("#camera-problem:not([hidden])")
            text = page.inner_text("#camera-error")
            assert "could not use your camera or microphone" in text and "Retry" in text
            assert "upload the file below" in text
            assert page.is_visible("#camera-retry") and page.is_visible("#file-path")
            assert page.is_visible("#file-digits") and page.is_disabled("#video-file")
            assert page.evaluate("document.activeElement.id") == "camera-retry"
            # nothing counts down: no digits were asked for while the camera is off
            page.wait_for_timeout(1200)
            assert page.is_hidden("#digits") and page.is_hidden("#digits-expiry") and page.is_hidden("#record")
            assert not Challenge.objects.exists()
            shot(page, "video-camera-denied-en-phone")

            # the person allows the camera in the browser's settings, then presses Retry
            page.context.grant_permissions(["camera", "microphone"])
            page.click("#camera-retry")
            page.wait_for_selector("#record:not([hidden])")
            page.wait_for_function("() => document.getElementById('live').videoWidth > 0")
            assert page.inner_text("#digits") == DIGITS
            assert page.inner_text("#read-aloud") == "Read these digits aloud in English"
            assert page.is_hidden("#camera-problem") and page.is_hidden("#file-path")
            assert Challenge.objects.get().language == "en"
            assert errors == []
            page.context.close()
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_video_file_uploaded_after_the_camera_was_refused_is_checked_to_an_outcome(
        live_server, devices, tmp_path, monkeypatch, settings, celery_worker):
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    settings.KYC_MAX_VIDEO_SECONDS = 6  # the page and the server read the same setting
    celery_worker()
    clip = tmp_path / "my-digits.mp4"
    clip.write_bytes(mediagen.digit_video(DIGITS, fmt="mp4"))
    too_long = tmp_path / "too-long.webm"
    too_long.write_bytes(mediagen.digit_video(DIGITS, duration=9))
    not_a_video = tmp_path / "notes.txt"
    not_a_video.write_text("not a video")
    with sync_api.sync_playwright() as p:
        browser = _launch_without_camera_consent(p, devices)
        try:
            page, errors = _denied_page(browser, live_server, "zh-CN,zh;q=0.9")
            _open_video_page(page)
            page.click("#start-camera")
            page.wait_for_selector("#file-path:not([hidden])")
            assert "摄像头" in page.inner_text("#camera-error") and page.is_visible("#camera-retry")
            page.click("#file-digits")
            page.wait_for_selector("#digits:not([hidden])")
            assert page.inner_text("#digits") == DIGITS
            assert page.inner_text("#read-aloud") == "用普通话读出这些数字"  # a Chinese page defaults to Mandarin
            assert page.is_enabled("#video-file") and page.is_hidden("#file-digits")
            assert page.is_disabled("input[name=digit_language][value=en]")  # the digits are for Mandarin now

            # the page refuses what is not a WebM/MP4/MOV video, or is longer than the limit, before any upload
            page.set_input_files("#video-file", str(not_a_video))
            page.wait_for_selector("#client-error:not([hidden])")
            assert page.inner_text("#client-error") == "请选择 WebM、MP4 或 MOV 格式的视频。"
            page.set_input_files("#video-file", str(too_long))
            page.wait_for_function("() => document.getElementById('client-error').textContent.includes('"
                                   f"{settings.KYC_MAX_VIDEO_SECONDS}')")
            page.set_input_files("#card", str(devices["card"]))
            assert page.is_disabled("#send")
            page.set_input_files("#video-file", str(clip))
            page.wait_for_function("() => !document.getElementById('send').disabled")
            shot(page, "video-file-chosen-zh-hans-phone")
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            wait_for_outcome(page)
            assert page.inner_text("#status-message").strip()
            assert errors == []
            page.context.close()
        finally:
            browser.close()
            connections.close_all()

    case = Case.objects.get(kind=CaseKind.DIGIT_VIDEO)
    submission = Submission.objects.get(case=case)
    assert submission.challenge.digits == DIGITS and submission.challenge.language == "zh"
    assert submission.video.content_type == "video/mov" and submission.video.duration_s < 6  # MP4 is mov's family
    check = Check.objects.get(submission=submission)
    assert check.is_terminal and check.provider == "local"
    assert check.raw_response["digit_language"] == "zh"
    assert case.state != CaseState.PROCESSING


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lang, choose, read_aloud", [
    ("en", "zh", "Read these digits aloud in Mandarin"),
    ("zh-CN,zh;q=0.9", "en", "用英语读出这些数字"),
])
def test_the_reading_language_chosen_on_the_page_reaches_the_check(live_server, devices, monkeypatch,
                                                                    celery_worker, lang, choose, read_aloud):
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    celery_worker()
    with sync_api.sync_playwright() as p:
        browser = launch(p, devices)
        try:
            page, errors = open_page(browser, live_server, lang, PHONE)
            _open_video_page(page)
            default = "en" if lang == "en" else "zh"
            assert page.get_attribute("input[name=digit_language]:checked", "value") == default
            labels = page.inner_text("#digit-language")
            assert ("普通话 (Mandarin)" in labels and "English" in labels) if lang == "en" else (
                "普通话" in labels and "English (英语)" in labels)
            page.check(f"input[name=digit_language][value={choose}]")
            record_digit_video(page)
            assert page.inner_text("#read-aloud") == read_aloud
            page.set_input_files("#card", str(devices["card"]))
            if lang == "en":
                shot(page, "video-recorded-mandarin-en-phone")
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            wait_for_outcome(page)
            assert errors == []
            page.context.close()
        finally:
            browser.close()
            connections.close_all()
    submission = Submission.objects.get(case__kind=CaseKind.DIGIT_VIDEO)
    assert submission.challenge.language == choose
    check = Check.objects.get(submission=submission)
    assert check.is_terminal and check.raw_response["digit_language"] == choose


@pytest.mark.django_db(transaction=True)
def test_a_link_that_asked_for_digits_too_often_gets_a_clear_429_and_another_link_still_works(
        live_server, devices, monkeypatch, settings):
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    settings.KYC_CHALLENGES_PER_LINK = 2
    settings.KYC_CHALLENGES_PER_CASE = 10
    from liveness.cases import services

    case = services.case_open(kind=CaseKind.DIGIT_VIDEO, actor_label="test")
    leaked = capture_token_make(case=case)
    with sync_api.sync_playwright() as p:
        browser = launch(p, devices)
        try:
            answers: list[int] = []
            for tab in range(3):  # three tabs (or three people) on the same link
                page, errors = open_page(browser, live_server, "en", PHONE)
                page.on("response", lambda r: answers.append(r.status) if r.url.endswith("/challenge/") else None)
                page.goto(f"/c/{leaked}/")
                page.click("#start-camera")
                if tab < 2:
                    page.wait_for_selector("#record:not([hidden])")
                    page.context.close()
            page.wait_for_selector("#client-error:not([hidden])")
            assert page.inner_text("#client-error") == (
                "This link was used to ask for new digits 2 times, the most one link may; ask whoever sent it for "
                "a new link.")
            assert answers == [201, 201, 429]
            assert page.is_hidden("#digits") and page.is_hidden("#record") and page.is_visible("#new-digits")
            assert errors == []
            page.context.close()

            # the same case on a link of its own (signed a second later) still gets digits
            time.sleep(1.1)
            fresh = capture_token_make(case=case)
            assert fresh != leaked
            page, errors = open_page(browser, live_server, "en", PHONE)
            page.goto(f"/c/{fresh}/")
            page.click("#start-camera")
            page.wait_for_selector("#record:not([hidden])")
            assert errors == []
            page.context.close()
        finally:
            browser.close()
            connections.close_all()
    assert Challenge.objects.filter(case=case).count() == 3
    case.refresh_from_db()
    assert case.challenges_issued == 3
