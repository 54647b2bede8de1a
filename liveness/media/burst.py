"""Is a camera's picture live? A selfie taken with the camera comes with a short burst of frames
(the page takes the photo, then two more about 150 ms apart); a still image fed to the camera (a
virtual camera playing a photo) gives frames that are identical beyond sensor and JPEG noise, a live
person never does: breathing, blinking and the hand holding the phone move edges by a pixel or more.

:func:`burst_motion` measures it: each frame is cut into 8x8-pixel blocks of grey level, and the
motion is the largest share, over the later frames, of blocks whose mean grey level changed by more
than :data:`BLOCK_CHANGE` against the photo. Sensor noise (a standard deviation of up to about 6 grey
levels per pixel) moves a block's mean by under 1 and changes next to no block; a one-pixel shift of an
edge of 40 grey levels moves its blocks by about 5. :func:`burst_frozen` calls a burst with motion
under :data:`FROZEN_BELOW` frozen. Pure: no database, no Django.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from liveness.media.refusals import MediaRejected

BLOCK = 8
BLOCK_CHANGE = 3.0     # grey levels (0-255) a block's mean must move to count as changed
FROZEN_BELOW = 0.001   # under 0.1 % of blocks changed in every later frame: a frozen picture
MAX_FRAMES = 4         # frames after the photo the upload may carry


def _grey_blocks(data: bytes) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG"):
                raise ValueError(image.format)
            if image.width * image.height > 4096 * 4096:
                raise ValueError("too many pixels")
            grey = np.asarray(image.convert("L"), dtype=np.float32)
    except (OSError, SyntaxError, ValueError):
        raise MediaRejected("burst_invalid", "The camera frames sent with the selfie could not be read.") from None
    h, w = (grey.shape[0] // BLOCK) * BLOCK, (grey.shape[1] // BLOCK) * BLOCK
    return grey[:h, :w].reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean(axis=(1, 3))


def burst_motion(photo: bytes, frames: list[bytes]) -> float:
    """The share (0..1) of 8x8 blocks that changed against ``photo``, the largest over ``frames``.

    Raises ``MediaRejected`` ("burst_invalid", 400) for frames that are not JPEG/PNG images of the
    photo's size, or more than :data:`MAX_FRAMES` of them."""
    if not frames or len(frames) > MAX_FRAMES:
        raise MediaRejected("burst_invalid", f"A camera burst carries 1 to {MAX_FRAMES} frames after the photo.")
    first = _grey_blocks(photo)
    motion = 0.0
    for frame in frames:
        blocks = _grey_blocks(frame)
        if blocks.shape != first.shape:
            raise MediaRejected("burst_invalid", "The camera frames sent with the selfie differ in size from it.")
        motion = max(motion, float(np.mean(np.abs(blocks - first) > BLOCK_CHANGE)))
    return motion


def burst_frozen(motion: float | None) -> bool:
    """Whether a submission's measured camera motion (None: not taken with the camera) is a frozen picture."""
    return motion is not None and motion < FROZEN_BELOW
