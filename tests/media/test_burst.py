"""liveness.media.burst: a camera selfie's burst tells a live camera from a still picture fed to it."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from liveness.media.burst import FROZEN_BELOW, burst_frozen, burst_motion
from liveness.media.refusals import MediaRejected
from tests import mediagen

pytestmark = pytest.mark.unit


def _jpeg(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=92)
    return out.getvalue()


def _noisy(rgb: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, rgb.shape)
    return np.clip(rgb + noise, 0, 255).astype(np.uint8)


FACE = mediagen.selfie_rgb()


def test_the_same_picture_three_times_is_frozen():
    photo = _jpeg(FACE)
    motion = burst_motion(photo, [photo, _jpeg(FACE)])
    assert motion == 0.0 and burst_frozen(motion)


def test_sensor_noise_alone_is_still_frozen():
    """A still photo in front of a real sensor: every frame differs, by noise only (sigma 4 grey levels)."""
    frames = [_jpeg(_noisy(FACE, 4.0, seed)) for seed in range(3)]
    motion = burst_motion(frames[0], frames[1:])
    assert motion < FROZEN_BELOW and burst_frozen(motion)


def test_a_person_moving_by_two_pixels_is_live():
    moved = np.roll(FACE, 2, axis=1)
    motion = burst_motion(_jpeg(_noisy(FACE, 4.0, 1)), [_jpeg(_noisy(moved, 4.0, 2))])
    assert motion > 10 * FROZEN_BELOW and not burst_frozen(motion)


def test_an_uploaded_file_has_no_burst_and_is_never_frozen():
    assert burst_frozen(None) is False


@pytest.mark.parametrize("frames", [[], [b"not an image"], ["small"], ["five"]])
def test_a_bad_burst_is_refused_with_a_400(frames):
    photo = _jpeg(FACE)
    frames = {"small": [_jpeg(FACE[:400, :300])], "five": [photo] * 5}.get(frames[0], frames) if frames else frames
    with pytest.raises(MediaRejected) as caught:
        burst_motion(photo, frames)
    assert (caught.value.code, caught.value.status) == ("burst_invalid", 400)
