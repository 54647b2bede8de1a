"""Headless Chromium for the capture pages' browser tests (Debian /usr/bin/chromium, playwright's
sync API) with a fake camera and microphone: the files they play, launching, a page per context,
screenshots, and the steps several tests share. The ``fake_media`` fixture is in conftest.py."""
from __future__ import annotations

import io
import os
import wave
from pathlib import Path

import numpy as np

from tests import mediagen

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DIGITS = "1234"
WRONG_DIGITS_SPOKEN = "5807"  # shares no digit with DIGITS
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


def fake_devices(folder: Path, spoken: str = DIGITS) -> dict:
    """The fake camera (a face mouthing ``spoken``) and microphone (espeak reading ``spoken``) files."""
    total = LEAD_IN + 4.6
    y4m, wav = folder / "face.y4m", folder / "digits.wav"
    y4m_write(y4m, mediagen.digit_video(DIGITS, spoken=spoken, lead_in=LEAD_IN, duration=total))
    wav_write(wav, mediagen.speech_wav(spoken), lead_in=LEAD_IN, total=total)
    return {"y4m": y4m, "wav": wav}


def launch(p, fake_media):
    return p.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_media['y4m']}",
        f"--use-file-for-fake-audio-capture={fake_media['wav']}"])


#: The person ticks "I agree" on the privacy notice and sends it, in the page, whenever it shows (tests
#: whose subject is not consent; tests/capture/test_consent_browser.py checks the notice itself).
ACCEPT_NOTICE = """document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('consent-form');
  if (form) { document.getElementById('agree').checked = true; form.requestSubmit(); }
});"""


def open_page(browser, live_server, lang, viewport, *, accept_notice: bool = True):
    """A page in a fresh context (language, viewport, camera+mic allowed) and the list of its JS errors."""
    context = browser.new_context(viewport=viewport, extra_http_headers={"Accept-Language": lang},
                                  permissions=["camera", "microphone"], base_url=live_server.url)
    if accept_notice:
        context.add_init_script(ACCEPT_NOTICE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"capture-{name}.png"), full_page=True)


def record_digit_video(page, while_recording=None):
    """On the video page: ask for the digits (the pinned DIGITS), record 4 s, wait for the playback."""
    page.click("#start-camera")
    page.wait_for_selector("#digits:not([hidden])")
    assert page.inner_text("#digits") == DIGITS
    page.wait_for_selector("#record:not([hidden])")
    page.click("#record")
    page.wait_for_selector("#countdown:not([hidden])")
    page.wait_for_selector("#rec:not([hidden])", timeout=6_000)
    if while_recording:
        while_recording()
    page.wait_for_selector("#playback:not([hidden])", timeout=10_000)
    assert int(page.get_attribute("#playback", "data-recorded")) > 10_000


def video_recorded_with_card(page, card) -> None:
    """From the start page: open the video check, record the digits, attach the ID-card photo."""
    page.goto("/")
    page.click("#start-video")
    page.wait_for_selector("#video-app")
    record_digit_video(page)
    page.set_input_files("#card", str(card))


def wait_for_outcome(page):
    """The status page polls status.json until the worker's outcome shows."""
    page.wait_for_function(
        "() => !document.getElementById('status-message').className.includes('outcome-processing')",
        timeout=120_000)
