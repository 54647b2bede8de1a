"""Digit-video liveness (livedetectfour-like) on generated talking videos."""
import io
import re

import numpy as np
import pytest
from PIL import Image

from liveness.engine import RECOMMENDED_THRESHOLDS, analyse_digit_video, codes, digits, faces, tracking
from tests import mediagen

D = "4821"


def codes_of(result):
    return {f.split(":", 1)[0] for f in result.findings}


def assert_fails(result, code):
    """A hard failure with that code; if it still has a score, the score fails the threshold too."""
    assert (result.ok, result.code) == (False, code), result.findings
    assert result.findings and any(f.startswith(code + ": ") for f in result.findings)
    assert result.score is None or result.score < RECOMMENDED_THRESHOLDS["liveness"]


@pytest.fixture(scope="module")
def good():
    return analyse_digit_video(mediagen.digit_video(D), digits=D, card=mediagen.card_jpeg())


def test_live_talking_video_passes(good):
    assert good.ok and good.code == codes.OK and good.findings == []
    assert good.score >= RECOMMENDED_THRESHOLDS["liveness"] + 20
    assert good.recognised_digits == D
    m = good.metrics
    assert m["lip_corr"] > 0.6 and m["lip_range"] > 0.08 and m["face_frames_ratio"] == 1.0
    assert m["identity_max_distance"] < 0.45 and m["rms_dbfs"] > -30 and 3 < m["duration_s"] < 5
    assert 0.4 < m["speech_start_s"] < 1.0


def test_best_frame_and_face_crop(good):
    frame = Image.open(io.BytesIO(good.best_frame_jpeg))
    crop = Image.open(io.BytesIO(good.face_crop_jpeg))
    assert frame.size == (480, 640) and crop.format == "JPEG"
    assert crop.width < frame.width and crop.height < frame.height
    from liveness.engine import analyse_selfie

    assert analyse_selfie(good.best_frame_jpeg).metrics["sharpness"] > 50


def test_card_comparison(good):
    sim = good.similarity
    assert sim is not None and sim.ok and sim.score >= RECOMMENDED_THRESHOLDS["similarity"] + 5


def test_card_of_a_different_person():
    r = analyse_digit_video(mediagen.digit_video(D), digits=D, card=mediagen.card_jpeg("lfw:10"))
    assert r.ok  # liveness is judged separately from the comparison
    assert (r.similarity.ok, r.similarity.code) == (False, codes.DIFFERENT_PERSON)
    assert r.similarity.score < 50


def test_card_without_face():
    r = analyse_digit_video(mediagen.digit_video(D), digits=D, card=mediagen.selfie_jpeg(no_face=True))
    assert r.ok and r.similarity.code == codes.CARD_NO_FACE and r.similarity.score is None


def test_no_card_no_similarity(good):
    r = analyse_digit_video(mediagen.digit_video(D), digits=D)
    assert r.similarity is None and r.score == good.score


@pytest.mark.parametrize("fmt", ["mp4", "flv", "avi"])
def test_containers(fmt):
    r = analyse_digit_video(mediagen.digit_video(D, fmt=fmt), digits=D)
    assert r.ok and r.recognised_digits == D, r.findings


def test_landscape_and_other_voice():
    # 854 px rows are padded in FFmpeg's frame buffers: exercises the strided-frame path
    r = analyse_digit_video(mediagen.digit_video("9036", size=(854, 480), voice="en-us+f2", speed=130), digits="9036")
    assert r.ok and r.recognised_digits == "9036" and r.metrics["width"] == 854


def test_wrong_digits():
    r = analyse_digit_video(mediagen.digit_video(D, spoken="1357"), digits=D)
    assert_fails(r, codes.WRONG_DIGITS)
    assert r.recognised_digits == "1357" and '"1357"' in r.findings[0]
    # the doubted digits are named for the reviewer, each with its margin beside the threshold
    doubted = re.findall(r'(\d)(?:st|nd|rd|th) digit "(\d)": margin (-?\d+\.\d)', r.findings[0])
    threshold = digits.MARGIN_THRESHOLD["en"]
    assert doubted and all(D[int(n) - 1] == d and float(m) < threshold for n, d, m in doubted), r.findings[0]
    assert f"(each needs {threshold:g} or more)" in r.findings[0]
    assert r.score is not None and r.score < RECOMMENDED_THRESHOLDS["liveness"]


def test_static_face_with_speech_has_no_lip_movement():
    r = analyse_digit_video(mediagen.digit_video(D, talking=False), digits=D)
    assert_fails(r, codes.NO_LIP_MOVEMENT)
    assert r.recognised_digits == D and r.metrics["lip_range"] < 0.04


def test_lips_moving_against_the_speech():
    r = analyse_digit_video(mediagen.digit_video(D, lips="inverted"), digits=D)
    assert_fails(r, codes.LIPS_OUT_OF_SYNC)
    assert r.metrics["lip_range"] > 0.08 and r.metrics["lip_corr"] < 0.2


def test_silence():
    r = analyse_digit_video(mediagen.digit_video(D, silent=True), digits=D)
    assert (r.ok, r.code, r.score) == (False, codes.AUDIO_TOO_QUIET, None)
    assert r.metrics["rms_dbfs"] < -50
    assert r.best_frame_jpeg  # the reviewer still gets the best frame


def test_no_audio_track():
    r = analyse_digit_video(mediagen.digit_video(D, audio=False), digits=D)
    assert (r.ok, r.code, r.score) == (False, codes.NO_AUDIO, None)


def test_no_face():
    r = analyse_digit_video(mediagen.digit_video(D, face="none"), digits=D, card=mediagen.card_jpeg())
    assert (r.ok, r.code, r.score) == (False, codes.NO_FACE, None)
    assert r.best_frame_jpeg is None and r.similarity.code == codes.NO_FACE


def test_two_faces():
    r = analyse_digit_video(mediagen.digit_video(D, face="two"), digits=D)
    assert_fails(r, codes.MULTIPLE_FACES)


def test_face_covered_half_the_time():
    r = analyse_digit_video(mediagen.digit_video(D, face_visible=0.5), digits=D)
    assert_fails(r, codes.FACE_LOST)
    assert 0.4 < r.metrics["face_frames_ratio"] < 0.7


def test_face_replaced_halfway():
    r = analyse_digit_video(mediagen.digit_video(D, switch_to="lfw:10"), digits=D)
    assert_fails(r, codes.FACE_CHANGED)
    assert r.metrics["identity_max_distance"] > 0.6


def test_too_short():
    r = analyse_digit_video(mediagen.digit_video(D, duration=1.5), digits=D)
    assert (r.ok, r.code, r.score) == (False, codes.VIDEO_TOO_SHORT, None)
    assert r.metrics["duration_s"] == pytest.approx(1.5, abs=0.1)


def test_minimum_duration_is_configurable():
    r = analyse_digit_video(mediagen.digit_video(D, duration=1.5), digits=D, min_duration_s=1.0)
    assert r.code != codes.VIDEO_TOO_SHORT


def test_resolution_too_low_and_configurable():
    small = mediagen.digit_video(D, size=(240, 320))
    r = analyse_digit_video(small, digits=D)
    assert (r.ok, r.code, r.score) == (False, codes.VIDEO_RESOLUTION_TOO_LOW, None)
    assert "240x320" in r.findings[0]
    relaxed = analyse_digit_video(small, digits=D, min_short_side=240, min_long_side=320)
    assert relaxed.code != codes.VIDEO_RESOLUTION_TOO_LOW


def test_undecodable():
    video = mediagen.digit_video(D)
    for data in (b"", b"definitely not a video", mediagen.selfie_jpeg()[:2000]):
        r = analyse_digit_video(data, digits=D)
        assert (r.ok, r.code, r.score) == (False, codes.UNDECODABLE_VIDEO, None), data[:20]
    truncated = analyse_digit_video(video[: len(video) // 2], digits=D)
    assert truncated.code in (codes.UNDECODABLE_VIDEO, codes.VIDEO_TOO_SHORT, codes.WRONG_DIGITS, codes.OK)


def test_screen_replay_in_video(good):
    # a recaptured screen: the whole talking video seen through moire
    import av
    import numpy as np

    src = av.open(io.BytesIO(mediagen.digit_video(D)))
    frames = [mediagen._moire(f.to_ndarray(format="rgb24"), amplitude=0.12) for f in src.decode(video=0)]
    src.close()
    x, sr = mediagen.wav_to_array(mediagen.speech_wav(D))
    audio = np.zeros(int(len(frames) / 15 * sr) + 1, np.float32)
    start = int(0.6 * sr)
    audio[start:start + len(x)] = (x / np.abs(x).max() * 0.6)[: len(audio) - start]
    video = mediagen._encode(iter(frames), len(frames), (480, 640), 15, audio, sr, "webm")
    r = analyse_digit_video(video, digits=D)
    assert codes.SCREEN_REPLAY in codes_of(r)
    assert r.score < good.score - 20


def test_an_exception_raised_while_decoding_is_not_taken_for_a_broken_file():
    """The Celery worker's soft time limit arrives as an exception raised wherever the decoder is
    (a signal handler); the decoder keeps what decoded only on PyAV's read errors, so any other
    exception goes through (a catch-all swallowed the time limit and the check ran on)."""
    import signal

    from liveness.engine import video

    class TimeLimit(Exception):
        pass

    def raise_limit(signum, frame):
        raise TimeLimit()

    clip = mediagen.digit_video(D, duration=8.0)
    previous = signal.signal(signal.SIGALRM, raise_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.02)
    try:
        with pytest.raises(TimeLimit):
            video.decode(clip)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(video.decode(clip[: len(clip) // 2]).frames) > 0  # a truncated file still keeps what decoded


def test_best_face_is_the_frame_of_highest_quality_measuring_few_sharpnesses(monkeypatch):
    # tracking.best_face must return what max(quality) returns (the first of equals) while measuring
    # the sharpness (an aligned chip each) only of the frames that can still be the best
    rng = np.random.default_rng(5)
    measured: list[int] = []
    sharpness = {}

    def fake_sharpness(chip):
        measured.append(chip)
        return sharpness[chip]

    monkeypatch.setattr(faces, "chip", lambda image, face: int(face.score))
    monkeypatch.setattr(faces, "sharpness", fake_sharpness)
    for _trial in range(20):
        frames = []
        for i in range(60):
            sharpness[i] = float(rng.choice([rng.uniform(20, 400), 200.0]))  # many saturate the term
            opening = float(rng.choice([0.05, rng.uniform(0.0, 0.4)]))
            yaw, pitch = (0.0, 0.0) if i % 7 == 0 else (float(rng.normal(0, 8)), float(rng.normal(0, 5)))
            frames.append(tracking.FrameFace(i, i / 15, faces.Face(100, 100, 280, 280, float(i)), opening, yaw, pitch, None))
        measured.clear()
        best = tracking.best_face(frames)
        lazily = len(measured)
        assert best is max(frames, key=lambda f: f.quality)
        assert lazily < 30, lazily
    assert tracking.best_face([]) is None
