"""Static (selfie) liveness on generated variations of real faces."""
import io

import pytest
from PIL import Image

from liveness.engine import RECOMMENDED_THRESHOLDS, analyse_selfie, codes
from tests import mediagen

THRESHOLD = RECOMMENDED_THRESHOLDS["liveness"]


def codes_of(result):
    return {f.split(":", 1)[0] for f in result.findings}


@pytest.fixture(scope="module")
def good():
    return analyse_selfie(mediagen.selfie_jpeg())


def test_good_selfie_passes_cleanly(good):
    assert good.ok and good.code == codes.OK
    assert good.score >= 95 and good.score >= THRESHOLD
    assert good.findings == []
    m = good.metrics
    assert m["face_px"] > 150 and m["sharpness"] > 100 and 80 < m["brightness"] < 200
    assert abs(m["yaw_deg"]) < 15 and abs(m["roll_deg"]) < 10
    assert m["moire_db"] < 10 and m["saturation"] > 0.2 and m["border_sides"] < 2
    crop = Image.open(io.BytesIO(good.face_crop_jpeg))
    assert crop.format == "JPEG" and 200 < crop.width < 500


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "WEBP"])
def test_other_image_formats(fmt, good):
    r = analyse_selfie(mediagen.selfie_jpeg(fmt=fmt))
    assert r.ok and abs(r.score - good.score) <= 5


def test_gif_and_garbage_are_undecodable():
    buf = io.BytesIO()
    Image.open(io.BytesIO(mediagen.selfie_jpeg())).save(buf, "GIF")
    for data in (buf.getvalue(), b"", b"\xff\xd8\xff\xe0 truncated jpeg"):
        r = analyse_selfie(data)
        assert (r.ok, r.code, r.score) == (False, codes.UNDECODABLE_IMAGE, None)
    assert "GIF" in analyse_selfie(buf.getvalue()).findings[0]


def test_no_face():
    r = analyse_selfie(mediagen.selfie_jpeg(no_face=True))
    assert (r.ok, r.code, r.score) == (False, codes.NO_FACE, None)


def test_two_faces():
    r = analyse_selfie(mediagen.selfie_jpeg(two_faces=True))
    assert (r.ok, r.code) == (False, codes.MULTIPLE_FACES)
    assert r.metrics["faces_detected"] == 2


def test_astronaut_badge_is_not_a_second_face():
    # dlib at upsample=1 reports a weak false face on the astronaut's badge
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).save(buf, "PNG")
    r = analyse_selfie(buf.getvalue())
    assert r.ok and r.metrics["faces_detected"] == 1


def test_tiny_face_is_a_hard_failure_and_small_face_a_soft_one(good):
    tiny = analyse_selfie(mediagen.selfie_jpeg(scale=0.15))
    assert (tiny.ok, tiny.code, tiny.score) == (False, codes.FACE_TOO_SMALL, None)
    small = analyse_selfie(mediagen.selfie_jpeg(scale=0.3))
    assert small.ok and codes.FACE_TOO_SMALL in codes_of(small)
    assert small.score < good.score - 10


def test_blur_lowers_score_below_threshold(good):
    r = analyse_selfie(mediagen.selfie_jpeg(blur=5))
    assert r.ok and codes_of(r) == {codes.BLURRY}
    assert r.metrics["sharpness"] < 50 and r.score < THRESHOLD
    mild = analyse_selfie(mediagen.selfie_jpeg(blur=1))
    assert mild.score == good.score  # slight softness is fine


def test_dark_and_overexposed():
    dark = analyse_selfie(mediagen.selfie_jpeg(brightness=0.3))
    assert codes_of(dark) == {codes.EXPOSURE} and "too dark" in dark.findings[0]
    assert dark.metrics["brightness"] < 75
    bright = analyse_selfie(mediagen.selfie_jpeg(brightness=1.9))
    assert codes.EXPOSURE in codes_of(bright) and bright.score < THRESHOLD
    assert codes.PRINT_ATTACK not in codes_of(bright)  # clipped skin has no colour to judge


def test_in_plane_rotation_is_a_pose_finding(good):
    r = analyse_selfie(mediagen.selfie_jpeg(rotate=32))
    assert r.ok and codes_of(r) == {codes.POSE}
    assert 24 < r.metrics["roll_deg"] < 40
    assert r.score < good.score


def test_aspect_ratio_is_soft():
    r = analyse_selfie(mediagen.selfie_jpeg(crop="square"))
    assert r.ok and codes_of(r) == {codes.ASPECT}
    assert 85 <= r.score < 95


def test_screen_moire_is_flagged():
    r = analyse_selfie(mediagen.selfie_jpeg(moire=0.12))
    assert r.ok and codes.SCREEN_REPLAY in codes_of(r)
    assert r.metrics["moire_db"] > 20 and r.score < THRESHOLD


def test_jpeg_compression_is_not_moire():
    r = analyse_selfie(mediagen.selfie_jpeg(quality=35))
    assert codes.SCREEN_REPLAY not in codes_of(r) and codes.PRINT_ATTACK not in codes_of(r)


def test_halftone_print_is_flagged(good):
    r = analyse_selfie(mediagen.selfie_jpeg(halftone=True))
    assert codes.PRINT_ATTACK in codes_of(r)
    assert r.metrics["moire_freq"] >= 0.3 and r.score <= good.score - 15


def test_monochrome_print_is_flagged():
    r = analyse_selfie(mediagen.selfie_jpeg(grayscale=True))
    assert codes_of(r) == {codes.PRINT_ATTACK}
    assert r.metrics["saturation"] < 0.05 and r.score < THRESHOLD


def test_phone_held_up_to_camera():
    r = analyse_selfie(mediagen.selfie_jpeg(phone=True))
    assert codes.FRAME_BORDER in codes_of(r) and r.metrics["border_sides"] >= 2
    replay = analyse_selfie(mediagen.selfie_jpeg(phone=True, moire=0.1))
    assert {codes.FRAME_BORDER, codes.SCREEN_REPLAY} <= codes_of(replay)
    assert replay.score < r.score and replay.score < THRESHOLD - 30


def test_findings_are_specific_and_prefixed():
    r = analyse_selfie(mediagen.selfie_jpeg(blur=5, crop="square"))
    for f in r.findings:
        code, text = f.split(": ", 1)
        assert code in codes.ALL and any(ch.isdigit() for ch in text)
    assert r.score == pytest.approx(100 - 40 - 10, abs=0.5)  # both penalties, as documented


def test_large_photo_is_analysed_quickly():
    import time

    data = mediagen.selfie_jpeg(size=(1800, 2400))
    analyse_selfie(data)
    t = time.perf_counter()
    r = analyse_selfie(data)
    assert r.ok and r.metrics["width"] == 1800
    assert time.perf_counter() - t < 1.5
