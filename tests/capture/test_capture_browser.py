"""End to end in headless Chromium with a fake camera and microphone (Debian /usr/bin/chromium).

The fake camera plays a YUV4MPEG2 file made from mediagen's talking-astronaut frames and the
fake microphone plays espeak-ng reading the digits, so the page's getUserMedia + MediaRecorder
produce a real WebM that the server must be able to decode. Screenshots of the capture pages
(English and Simplified Chinese, phone and desktop widths) go to docs/screenshots/capture-*.png.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from liveness.cases.models import Case, CaseKind, CaseState, Submission
from liveness.media import files as media
from liveness.media.models import MediaBlob
from liveness.vendors import catalogue
from liveness.vendors.local.adapter import LocalProvider
from tests import mediagen
from tests.capture.browser import (
    CHROMIUM, DESKTOP, DIGITS, PHONE, SHOTS, WRONG_DIGITS_SPOKEN, fake_devices, launch, open_page, record_digit_video,
    shot, video_recorded_with_card, wait_for_outcome,
)

from playwright import sync_api  # noqa: E402  (after tests.capture.browser set DJANGO_ALLOW_ASYNC_UNSAFE)

@pytest.mark.django_db(transaction=True)
def test_record_a_digit_video_and_take_a_selfie_in_chromium(live_server, fake_media, monkeypatch, celery_worker):
    assert shutil.which(CHROMIUM), "Debian chromium is required (scripts/test installs it)"
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    celery_worker()

    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            # --- digit video, English, phone ---------------------------------------------------
            page, errors = open_page(browser, live_server, "en", PHONE)
            page.goto("/")
            shot(page, "start-en-phone")
            page.click("#start-video")
            page.wait_for_selector("#video-app")
            shot(page, "video-en-phone")
            record_digit_video(page, while_recording=lambda: shot(page, "video-recording-en-phone"))
            # the client refuses a GIF before any upload
            page.set_input_files("#card", str(fake_media["gif"]))
            assert page.is_visible("#client-error") and page.is_disabled("#send")
            page.set_input_files("#card", str(fake_media["card"]))
            assert page.is_enabled("#send")
            shot(page, "video-recorded-en-phone")
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            assert errors == []

            case = Case.objects.get(kind=CaseKind.DIGIT_VIDEO)
            submission = Submission.objects.get(case=case)
            info = media.video_probe(media.blob_read(submission.video))
            assert info.container.startswith("matroska") or "webm" in info.container
            assert info.has_audio and info.width >= 270 and 3.0 <= info.duration_s <= 6.0
            assert submission.challenge.digits == DIGITS and submission.card is not None

            # the worker runs the check; the page polls status.json until an outcome shows
            wait_for_outcome(page)
            case.refresh_from_db()
            assert case.state in (CaseState.APPROVED, CaseState.MANUAL_REVIEW, CaseState.RETAKE_REQUESTED,
                                  CaseState.REJECTED)
            assert page.inner_text("#status-message").strip()
            shot(page, "status-en-phone")
            page.context.close()

            # --- selfie with the camera, Simplified Chinese, phone ---------------------------------
            page, _ = open_page(browser, live_server, "zh-hans", PHONE)
            page.goto("/")
            assert "身份验证" in page.inner_text("h1")
            shot(page, "start-zh-hans-phone")
            page.click("#start-selfie")
            page.wait_for_selector("#selfie-form")
            shot(page, "selfie-zh-hans-phone")
            page.click("#use-camera")
            page.wait_for_function("() => document.getElementById('selfie-video').videoWidth > 0")
            shot(page, "selfie-camera-zh-hans-phone")
            page.click("#snap")
            page.wait_for_selector("#preview-wrap:not([hidden])")
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            selfie_case = Case.objects.get(kind=CaseKind.SELFIE)
            selfie = media.image_normalise(media.blob_read(Submission.objects.get(case=selfie_case).selfie))
            assert abs(selfie.width / selfie.height - 3 / 4) < 0.01
            # wait for this check too, so the worker is idle when the test ends
            wait_for_outcome(page)
            shot(page, "status-zh-hans-phone")
            page.context.close()

            # --- the other screenshots: desktop in both languages, video page in Chinese ------------
            for lang in ("en", "zh-hans"):
                page, _ = open_page(browser, live_server, lang, DESKTOP)
                page.goto("/")
                shot(page, f"start-{lang}-desktop")
                page.click("#start-video")
                page.wait_for_selector("#video-app")
                page.click("#start-camera")
                page.wait_for_selector("#record:not([hidden])")
                page.wait_for_function("() => document.getElementById('live').videoWidth > 0")
                shot(page, f"video-{lang}-desktop")
                page.goto("/")
                page.click("#start-selfie")
                page.wait_for_selector("#selfie-form")
                shot(page, f"selfie-{lang}-desktop")
                page.context.close()
            page, _ = open_page(browser, live_server, "zh-hans", PHONE)
            page.goto("/")
            page.click("#start-video")
            page.wait_for_selector("#video-app")
            shot(page, "video-zh-hans-phone")
            page.context.close()
            page, _ = open_page(browser, live_server, "en", PHONE)
            page.goto("/")
            page.click("#start-selfie")
            page.wait_for_selector("#selfie-form")
            shot(page, "selfie-en-phone")
            page.context.close()
        finally:
            browser.close()
            # Playwright's sync API runs this block in its own context, so the queries above used their
            # own database connection: close it, or the test database cannot be dropped at the end.
            connections.close_all()




@pytest.mark.django_db(transaction=True)
def test_wrong_digits_read_aloud_end_at_please_try_again_with_the_catalogue_message(
        live_server, fake_media, tmp_path, monkeypatch, celery_worker):
    """The page shows 1234; the person (fake camera + microphone) reads 5807; the engine says why, in words."""
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    wrong = fake_devices(tmp_path, spoken=WRONG_DIGITS_SPOKEN)
    celery_worker()

    with sync_api.sync_playwright() as p:
        browser = launch(p, wrong)
        try:
            page, errors = open_page(browser, live_server, "en", PHONE)
            video_recorded_with_card(page, fake_media["card"])
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            wait_for_outcome(page)
            assert errors == []

            case = Case.objects.get(kind=CaseKind.DIGIT_VIDEO)
            assert Submission.objects.get(case=case).challenge.digits == DIGITS
            assert case.state == CaseState.RETAKE_REQUESTED
            check = case.checks.exclude(error_code="").order_by("-created_at").first()
            assert check is not None and check.passed is False
            assert (check.error_vendor, check.error_code) == ("local", "LOCAL_WRONG_DIGITS"), check.findings
            expected = catalogue.lookup("local", "LOCAL_WRONG_DIGITS").user_message_en

            message = page.inner_text("#status-message").strip()
            assert "outcome-retry" in page.get_attribute("#status-message", "class")
            assert message == f"Please try again: {expected}"
            assert page.is_visible("#retry-link")
            # what the person sees carries no vendor code, score, finding or recognised digits
            text = page.inner_text("body")
            assert "LOCAL_" not in text and "score" not in text.lower() and "correlation" not in text
            assert check.recognised_digits not in text if check.recognised_digits else True
            assert WRONG_DIGITS_SPOKEN not in text
            # a reload renders the same outcome server-side (not only the polled JSON)
            page.reload()
            assert page.inner_text("#status-message").strip() == f"Please try again: {expected}"
            # and the retake page repeats the reason
            page.click("#retry-link")
            page.wait_for_selector("#video-app")
            assert page.inner_text(".notice") == expected
            page.context.close()
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_an_oversized_selfie_is_refused_in_the_page_and_by_the_server(live_server, fake_media, tmp_path):
    """Over KYC_MAX_IMAGE_BYTES: the page says so and sends nothing; a forced upload gets 413, nothing stored."""
    limit = settings.KYC_MAX_IMAGE_BYTES
    too_large = f"The file is too large; the limit is {media.sizes_text(limit, limit)[1]}."  # "... 8 MiB."
    big = tmp_path / "big-selfie.jpg"
    photo = mediagen.selfie_jpeg()
    big.write_bytes(photo + b"\0" * (limit + 1 - len(photo)))  # a decodable JPEG with padding after EOI
    assert big.stat().st_size == limit + 1
    media_root = Path(settings.MEDIA_ROOT)
    stored_before = sorted(str(f) for f in media_root.rglob("*") if f.is_file()) if media_root.exists() else []

    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, _ = open_page(browser, live_server, "en", PHONE)
            uploads: list[str] = []
            page.on("request", lambda r: uploads.append(r.url) if "/upload/" in r.url else None)
            page.goto("/")
            page.click("#start-selfie")
            page.wait_for_selector("#selfie-form")
            assert int(page.get_attribute("#selfie-form", "data-max-bytes")) == limit
            page.set_input_files("input[name=selfie]", str(big))
            assert page.is_visible("#client-error")
            assert page.inner_text("#client-error") == too_large
            assert page.is_hidden("#preview-wrap")
            page.click("#send")  # the submit handler checks again and refuses
            assert page.inner_text("#client-error") == too_large
            assert page.is_hidden("#progress")
            page.wait_for_timeout(500)
            assert uploads == [] and "/status/" not in page.url
            assert Submission.objects.count() == 0

            # bypass the page's check: the server refuses the same bytes with 413 and keeps nothing
            answer = page.evaluate("""async ({url, size}) => {
                const data = new FormData();
                data.append("selfie", new File([new Uint8Array(size)], "big.jpg", {type: "image/jpeg"}));
                const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
                const r = await fetch(url, {method: "POST", body: data,
                                            headers: {"X-CSRFToken": token, "Accept": "application/json"}});
                return {status: r.status, body: await r.json()};
            }""", {"url": page.get_attribute("#selfie-form", "data-upload-url"), "size": limit + 1})
            assert answer["status"] == 413
            assert answer["body"]["error"]["code"] == "too_large"
            assert answer["body"]["error"]["message"] == too_large
            assert len(uploads) == 1  # only the forced request went out
            case = Case.objects.get(kind=CaseKind.SELFIE)
            assert case.state == CaseState.AWAITING_SUBMISSION
            assert Submission.objects.count() == 0 and case.checks.count() == 0 and MediaBlob.objects.count() == 0
            stored_after = sorted(str(f) for f in media_root.rglob("*") if f.is_file()) if media_root.exists() else []
            assert stored_after == stored_before
            page.context.close()
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_selfie_can_be_taken_and_sent_with_the_keyboard_alone(live_server, fake_media):
    """Enter on 'Use the camera' hides that button: focus moves to 'Take photo' (not lost to the page, with the
    next Tab skipping the shutter above it), then to 'Send' once the photo is taken."""
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, errors = open_page(browser, live_server, "en", PHONE)
            page.goto("/")
            page.focus("#start-selfie")
            page.keyboard.press("Enter")
            page.wait_for_selector("#selfie-form")
            focused = lambda: page.evaluate("document.activeElement.id")  # noqa: E731
            for _ in range(5):
                page.keyboard.press("Tab")
                if focused() == "use-camera":
                    break
            assert focused() == "use-camera"
            page.keyboard.press("Enter")
            page.wait_for_selector("#camera:not([hidden])")
            page.wait_for_function("() => document.getElementById('selfie-video').videoWidth > 0")
            assert focused() == "snap"
            page.keyboard.press("Enter")
            page.wait_for_selector("#preview-wrap:not([hidden])")
            assert focused() == "send"
            page.keyboard.press("Enter")
            page.wait_for_url("**/status/")
            assert errors == []
        finally:
            browser.close()
            connections.close_all()
    assert Submission.objects.filter(case__kind=CaseKind.SELFIE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_digits_used_up_before_sending_leave_no_countdown_behind(live_server, fake_media, monkeypatch):
    """The server refuses the video because its digits were used meanwhile (another tab): the page asks for new
    digits, hides the old ones and their expiry countdown (it kept ticking), and puts focus on 'Show new digits'."""
    from django.utils import timezone

    from liveness.cases.models import Challenge

    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, errors = open_page(browser, live_server, "en", PHONE)
            video_recorded_with_card(page, fake_media["card"])
            Challenge.objects.update(used_at=timezone.now())
            page.click("#send")
            page.wait_for_selector("#new-digits:not([hidden])")
            assert page.inner_text("#client-error") == "These digits were already used; ask for new digits."
            assert page.is_hidden("#digits") and page.is_hidden("#playback")
            page.wait_for_timeout(1500)  # a countdown would have ticked (and shown itself) by now
            assert page.is_hidden("#digits-expiry")
            assert page.evaluate("document.activeElement.id") == "new-digits"
            assert errors == []
        finally:
            browser.close()
            connections.close_all()
    assert not Submission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_status_page_stops_polling_when_its_link_stops_working(live_server, fake_media, settings):
    """status.json answers 410 (the link expired while the case was processing) or 404 (the case is gone): the
    page stops polling and says so in the person's language, with no ``outcome-undefined`` class."""
    from liveness.capture.links import capture_token_make
    from liveness.cases import services

    def processing_case(reference):
        case = services.case_open(kind=CaseKind.SELFIE, actor_label="test", reference=reference)
        services.case_transition(case=case, to=CaseState.PROCESSING, reason="submission received", actor_label="test")
        return case, capture_token_make(case=case)

    expired_case, expired_token = processing_case("expires")
    gone_case, gone_token = processing_case("deleted")
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            for lang, token, make_it_stop, status, text in [
                ("en", expired_token, lambda: setattr(settings, "KYC_CAPTURE_LINK_MAX_AGE", -1), 410,
                 "This link has expired, so this page can no longer show where your check is. "
                 "Ask whoever sent it for a new link."),
                ("zh-CN,zh;q=0.9", gone_token, lambda: Case.objects.filter(pk=gone_case.pk).delete(), 404,
                 "此链接已失效，本页面无法显示您的验证进度。请联系发送链接的一方获取新链接。"),
            ]:
                settings.KYC_CAPTURE_LINK_MAX_AGE = 86400
                page, errors = open_page(browser, live_server, lang, PHONE)
                polls: list[int] = []
                page.on("response", lambda r: polls.append(r.status) if r.url.endswith("/status.json") else None)
                page.goto(f"/c/{token}/status/")
                page.wait_for_function("() => document.getElementById('status-message').className"
                                       ".includes('outcome-processing')")
                page.wait_for_timeout(2600)  # at least one successful poll
                assert polls and set(polls) == {200}
                make_it_stop()
                page.wait_for_function("() => document.getElementById('status-message').className"
                                       ".includes('outcome-link_')", timeout=10_000)
                assert page.inner_text("#status-message") == text
                page.wait_for_timeout(5000)  # a poller would have asked twice more by now
                assert polls.count(status) == 1 and polls[-1] == status, polls
                assert "undefined" not in page.get_attribute("#status-message", "class")
                assert page.is_hidden("#retry") and page.query_selector("#status-message .spinner") is None
                assert errors == []
                page.context.close()
        finally:
            browser.close()
            connections.close_all()
    assert Case.objects.filter(pk=expired_case.pk, state=CaseState.PROCESSING).exists()


@pytest.mark.django_db(transaction=True)
def test_a_refusal_django_makes_before_the_view_is_shown_in_the_page(live_server, fake_media, tmp_path):
    """The CSRF cookie is gone when the person sends the selfie (cookies cleared): the upload is still refused
    (403), and the page shows the server's translated message, not its generic network message."""
    photo = tmp_path / "selfie.jpg"
    photo.write_bytes(mediagen.selfie_jpeg())
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            page, errors = open_page(browser, live_server, "zh-CN,zh;q=0.9", PHONE)
            answers: list[int] = []
            page.on("response", lambda r: answers.append(r.status) if "/upload/" in r.url else None)
            page.goto("/")
            page.click("#start-selfie")
            page.wait_for_selector("#selfie-form")
            page.set_input_files("input[name=selfie]", str(photo))
            page.context.clear_cookies()
            page.click("#send")
            page.wait_for_selector("#client-error:not([hidden])")
            assert page.inner_text("#client-error") == "此页面的安全校验未通过（可能禁用了 Cookie，或页面已过期）。请刷新页面后重试。"
            assert answers == [403] and "/status/" not in page.url
            assert errors == []
        finally:
            browser.close()
            connections.close_all()
    assert not Submission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_reviewers_retake_message_reaches_the_status_and_capture_pages_in_english_and_chinese(
        live_server, fake_media):
    """Issue 18 item 1: before, the page said "Please try again: <the old check's code message>"."""
    from liveness.capture.links import capture_token_make
    from liveness.review.services import decision_make
    from tests.review.conftest import make_review_case, role_user

    case = make_review_case()
    words = "Your photo was blurry, hold the phone still."
    decision_make(case=case, outcome="retake", reason_code="poor_lighting", actor=role_user("rita", "reviewer"),
                  user_message=words)
    token = capture_token_make(case=case)
    expected = {
        "en": f"Please try again: {words} Please try again in good, even light and hold still.",
        "zh-CN,zh;q=0.9": f"请重试：{words} 请在光线充足、均匀的地方重试，并保持不动。",
    }
    with sync_api.sync_playwright() as p:
        browser = launch(p, fake_media)
        try:
            for lang, sentence in expected.items():
                page, errors = open_page(browser, live_server, lang, PHONE)
                page.goto(f"/c/{token}/status/")
                assert "outcome-retry" in page.get_attribute("#status-message", "class")
                assert page.inner_text("#status-message").strip() == sentence
                page.click("#retry-link")
                page.wait_for_selector(".notice")
                assert page.inner_text(".notice") == sentence.split("：" if lang != "en" else ": ", 1)[1]
                assert errors == []
                page.context.close()
        finally:
            browser.close()
            connections.close_all()
