"""Issue 17 item 1, the engine side: a long digit video never runs unbounded in the worker.

* The local engine adapter hands the engine at most ``clip.MAX_VIDEO_SECONDS`` of a video (a
  stream copy of its first minute), whatever was stored: before, a 10-minute upload was demuxed,
  decoded and its whole sound track analysed.
* The task's soft time limit (a signal, as billiard delivers SIGUSR1 in a prefork child) stops
  the engine mid-analysis, and the check ends with ``internal/engine_time_limit``: not retried
  (the same video would take as long again) and explained to the reviewer in plain words,
  instead of four hard kills, "Every attempt was interrupted by a stopped worker" and "Our
  verification service is briefly busy".
"""
from __future__ import annotations

import contextlib
import io
import signal
import time

import av
import pytest
from celery.exceptions import SoftTimeLimitExceeded

from liveness import engine
from liveness.vendors import catalogue
from liveness.vendors.base import Media, ProviderError
from liveness.vendors.errors import Category
from liveness.vendors.local import adapter  # noqa
from liveness.vendors.local.adapter import LocalProvider
from liveness.vendors.local.clip import MAX_VIDEO_SECONDS, video_clip
from tests.security.longvideo import long_webm


def _last_packet_s(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        return max(float(p.pts * p.time_base) for p in container.demux() if p.pts is not None)


@pytest.fixture(scope="module")
def ten_minutes() -> bytes:
    return long_webm(600, noise=True)


def test_the_engine_is_given_at_most_the_first_minute_of_a_ten_minute_video(ten_minutes, monkeypatch):
    given: list[bytes] = []
    real = engine.analyse_digit_video

    def spy(video: bytes, **kwargs):
        given.append(video)
        return real(video, **kwargs)

    monkeypatch.setattr(engine, "analyse_digit_video", spy)
    # Minimum sides above 640x480: the engine stops right after probing, so this test is cheap.
    provider = LocalProvider(config={"min_video_short_side": 5000, "min_video_long_side": 5000})
    started = time.monotonic()
    result = provider.check_video(video=Media(ten_minutes, "video/webm"), digits="1234", card=None)

    assert _last_packet_s(ten_minutes) > 599
    assert _last_packet_s(given[0]) <= MAX_VIDEO_SECONDS
    assert result.raw["video_cut_at_s"] == MAX_VIDEO_SECONDS
    assert f"only the first {MAX_VIDEO_SECONDS:g} s of the video were analysed" in result.findings
    assert time.monotonic() - started < 10


def test_a_short_video_reaches_the_engine_unchanged():
    short = long_webm(5)
    assert video_clip(short).data is short and video_clip(short).cut_at_s is None
    assert video_clip(b"not a video").cut_at_s is None


def test_the_clip_decodes_to_the_same_first_minute(ten_minutes):
    clipped = video_clip(ten_minutes).data
    decoded = engine.video.decode(clipped)
    assert decoded.has_audio_stream and decoded.audio is not None
    assert MAX_VIDEO_SECONDS - 1 <= decoded.duration <= MAX_VIDEO_SECONDS + 1
    assert len(decoded.audio) <= (MAX_VIDEO_SECONDS + 1) * engine.video.AUDIO_RATE


@contextlib.contextmanager
def _soft_time_limit_after(seconds: float):
    """What billiard does in a prefork child at the soft limit: a signal whose handler raises
    SoftTimeLimitExceeded in the main thread (here SIGALRM from a timer instead of SIGUSR1)."""
    def raise_soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, raise_soft_limit)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_soft_time_limit_stops_the_engine_and_the_check_ends_explained(ten_minutes):
    provider = LocalProvider(config={})
    fired_after = 1.0
    started = time.monotonic()
    with pytest.raises(ProviderError) as raised, _soft_time_limit_after(fired_after):
        provider.check_video(video=Media(ten_minutes, "video/webm"), digits="1234", card=None)
    latency = time.monotonic() - started - fired_after

    assert latency < 5, f"the engine went on for {latency:.1f} s after the soft limit"
    error = raised.value
    assert (error.vendor, error.code, error.transient) == ("internal", "engine_time_limit", False)
    assert str(error) == adapter.TIME_LIMIT_MESSAGE
    entry = catalogue.lookup("internal", "engine_time_limit")
    assert catalogue.is_known("internal", "engine_time_limit") and entry.category is Category.USER_FIXABLE
    assert "stopped" in entry.reviewer_explanation and "Not retried" in entry.reviewer_explanation
    assert "busy" not in entry.user_message_en and "too long" in entry.user_message_en
