"""End to end in headless Chromium with a fake camera and microphone (Debian /usr/bin/chromium).

The fake camera plays a YUV4MPEG2 file made from mediagen's talking-astronaut frames and the
fake microphone plays espeak-ng reading the digits, so the page's getUserMedia + MediaRecorder
produce a real WebM that the server must be able to decode. Screenshots of the capture pages
(English and Simplified Chinese, phone and desktop widths) go to docs/screenshots/capture-*.png.
"""
from __future__ import annotations

import io
import os
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from django.db import connections

from liveness import media
from liveness.models import Case, CaseKind, CaseState, Submission
from liveness.providers.local import LocalProvider
from tests import mediagen

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

from playwright import sync_api

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DIGITS = "1234"
LEAD_IN = 3.4  # the fake devices start with the stream; the page records after a 3 s countdown
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def y4m_write(path: Path, webm: bytes) -> None:
    """Decode a video and write its frames as an uncompressed YUV4MPEG2 file (what Chromium's fake camera reads)."""
    import av

    with av.open(io.BytesIO(webm)) as container, open(path, "wb") as out:
        stream = container.streams.video[0]
        fps = round(float(stream.average_rate or 15))
        header_written = False
        for frame in container.decode(video=0):
            if not header_written:
                out.write(f"YUV4MPEG2 W{frame.width} H{frame.height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
                header_written = True
            out.write(b"FRAME\n")
            out.write(frame.to_ndarray(format="yuv420p").tobytes())


def wav_write(path: Path, speech: bytes, *, lead_in: float, total: float) -> None:
    """Speech after ``lead_in`` seconds of near-silence, padded to ``total`` seconds, 16-bit mono."""
    samples, rate = mediagen.wav_to_array(speech)
    track = np.random.default_rng(3).normal(0, 0.002, int(total * rate)).astype(np.float32)
    start = int(lead_in * rate)
    part = samples[: len(track) - start]
    track[start:start + len(part)] += part / max(1e-6, np.abs(part).max()) * 0.6
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(track * 32767, -32768, 32767).astype(np.int16).tobytes())


@pytest.fixture(scope="module")
def fake_media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake-media")
    total = LEAD_IN + 4.6
    y4m, wav = folder / "face.y4m", folder / "digits.wav"
    y4m_write(y4m, mediagen.digit_video(DIGITS, lead_in=LEAD_IN, duration=total))
    wav_write(wav, mediagen.speech_wav(DIGITS), lead_in=LEAD_IN, total=total)
    card = folder / "card.jpg"
    card.write_bytes(mediagen.card_jpeg())
    gif = folder / "card.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
                    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
    return {"y4m": y4m, "wav": wav, "card": card, "gif": gif}


def _launch(p, fake_media):
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_media['y4m']}",
        f"--use-file-for-fake-audio-capture={fake_media['wav']}"])


def _context(browser, live_server, lang, viewport):
    context = browser.new_context(viewport=viewport, extra_http_headers={"Accept-Language": lang},
                                  permissions=["camera", "microphone"], base_url=live_server.url)
    context.set_default_timeout(20_000)
    return context


def _shot(page, name):
    page.screenshot(path=str(SHOTS / f"capture-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_record_a_digit_video_and_take_a_selfie_in_chromium(live_server, fake_media, monkeypatch, celery_worker):
    assert shutil.which(CHROMIUM), "Debian chromium is required (scripts/test installs it)"
    monkeypatch.setattr(LocalProvider, "challenge_digits", lambda self: DIGITS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    celery_worker()

    with sync_api.sync_playwright() as p:
        browser = _launch(p, fake_media)
        try:
            # --- digit video, English, phone ---------------------------------------------------
            context = _context(browser, live_server, "en", PHONE)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto("/")
            _shot(page, "start-en-phone")
            page.click("#start-video")
            page.wait_for_selector("#video-app")
            _shot(page, "video-en-phone")
            page.click("#get-digits")
            page.wait_for_selector("#digits:not([hidden])")
            assert page.inner_text("#digits") == DIGITS
            page.wait_for_selector("#record:not([hidden])")
            page.click("#record")
            page.wait_for_selector("#countdown:not([hidden])")
            page.wait_for_selector("#rec:not([hidden])", timeout=6_000)
            _shot(page, "video-recording-en-phone")
            page.wait_for_selector("#playback:not([hidden])", timeout=10_000)
            assert int(page.get_attribute("#playback", "data-recorded")) > 10_000
            # the client refuses a GIF before any upload
            page.set_input_files("#card", str(fake_media["gif"]))
            assert page.is_visible("#client-error") and page.is_disabled("#send")
            page.set_input_files("#card", str(fake_media["card"]))
            assert page.is_enabled("#send")
            _shot(page, "video-recorded-en-phone")
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
            page.wait_for_function(
                "() => !document.getElementById('status-message').className.includes('outcome-processing')",
                timeout=120_000)
            case.refresh_from_db()
            assert case.state in (CaseState.APPROVED, CaseState.MANUAL_REVIEW, CaseState.RETAKE_REQUESTED,
                                  CaseState.REJECTED)
            assert page.inner_text("#status-message").strip()
            _shot(page, "status-en-phone")
            context.close()

            # --- selfie with the camera, Simplified Chinese, phone ---------------------------------
            context = _context(browser, live_server, "zh-hans", PHONE)
            page = context.new_page()
            page.goto("/")
            assert "身份验证" in page.inner_text("h1")
            _shot(page, "start-zh-hans-phone")
            page.click("#start-selfie")
            page.wait_for_selector("#selfie-form")
            _shot(page, "selfie-zh-hans-phone")
            page.click("#use-camera")
            page.wait_for_function("() => document.getElementById('selfie-video').videoWidth > 0")
            _shot(page, "selfie-camera-zh-hans-phone")
            page.click("#snap")
            page.wait_for_selector("#preview-wrap:not([hidden])")
            page.click("#send")
            page.wait_for_url("**/status/", timeout=30_000)
            selfie_case = Case.objects.get(kind=CaseKind.SELFIE)
            selfie = media.image_normalise(media.blob_read(Submission.objects.get(case=selfie_case).selfie))
            assert abs(selfie.width / selfie.height - 3 / 4) < 0.01
            # wait for this check too, so the worker is idle when the test ends
            page.wait_for_function(
                "() => !document.getElementById('status-message').className.includes('outcome-processing')",
                timeout=120_000)
            _shot(page, "status-zh-hans-phone")
            context.close()

            # --- the other screenshots: desktop in both languages, video page in Chinese ------------
            for lang in ("en", "zh-hans"):
                context = _context(browser, live_server, lang, DESKTOP)
                page = context.new_page()
                page.goto("/")
                _shot(page, f"start-{lang}-desktop")
                page.click("#start-video")
                page.wait_for_selector("#video-app")
                page.click("#get-digits")
                page.wait_for_selector("#record:not([hidden])")
                page.wait_for_function("() => document.getElementById('live').videoWidth > 0")
                _shot(page, f"video-{lang}-desktop")
                page.goto("/")
                page.click("#start-selfie")
                page.wait_for_selector("#selfie-form")
                _shot(page, f"selfie-{lang}-desktop")
                context.close()
            context = _context(browser, live_server, "zh-hans", PHONE)
            page = context.new_page()
            page.goto("/")
            page.click("#start-video")
            page.wait_for_selector("#video-app")
            _shot(page, "video-zh-hans-phone")
            context.close()
            context = _context(browser, live_server, "en", PHONE)
            page = context.new_page()
            page.goto("/")
            page.click("#start-selfie")
            page.wait_for_selector("#selfie-form")
            _shot(page, "selfie-en-phone")
            context.close()
        finally:
            browser.close()
            # Playwright's sync API runs this block in its own context, so the queries above used their
            # own database connection: close it, or the test database cannot be dropped at the end.
            connections.close_all()
