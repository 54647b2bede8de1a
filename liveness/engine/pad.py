"""Presentation-attack cues: heuristics, not a certified PAD (see docs/engine.md).

* Periodic peaks in the 2-D spectrum. A photographed screen shows its pixel grid, and the
  beat between that grid and the camera's sensor grid (moire) puts sharp, isolated peaks into
  the spectrum; a halftone print (a regular dot screen) does the same at high frequency. A
  live face has a smooth, roughly 1/f spectrum with no isolated peaks.
* Colour: print and many recaptures lose chroma; the skin of a live face under normal light
  is clearly saturated.
* Straight borders: the edge of a phone, tablet or sheet of paper held up to the camera puts
  long straight lines on two or more sides of the face.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from .faces import Face, _inner
from .imaging import to_gray

_BLOCK = 128  # Welch block size for the spectrum (pixels)


def _welch_logpower(gray: np.ndarray) -> np.ndarray:
    """Welch-averaged 2-D power spectrum (dB, fftshifted) of 128x128 blocks with 50% overlap."""
    n = _BLOCK
    h, w = gray.shape
    win = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    acc = np.zeros((n, n), np.float64)
    count = 0
    step = n // 2
    for y in range(0, h - n + 1, step):
        for x in range(0, w - n + 1, step):
            b = gray[y:y + n, x:x + n]
            b = (b - b.mean()) * win
            acc += np.abs(np.fft.fft2(b)) ** 2
            count += 1
    acc /= max(count, 1)
    return 10.0 * np.log10(np.fft.fftshift(acc) + 1e-6)


def _allowed_mask(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Bins that may hold a periodic-pattern peak, and their radial frequency (cycles/pixel).

    Excluded: the low-frequency centre (image content), the two axes (edge leakage), and the
    JPEG 8x8 block grid frequencies (multiples of 1/8 cycles/pixel), which every JPEG has.
    """
    f = (np.arange(n) - n // 2) / n
    fy, fx = np.meshgrid(f, f, indexing="ij")
    r = np.hypot(fx, fy)
    ok = (r >= 0.06) & (np.abs(fx) > 2.5 / n) & (np.abs(fy) > 2.5 / n)
    grid = n // 8
    for axis in (fx, fy):
        k = np.round(axis * n / grid) * grid / n  # nearest multiple of 1/8
        ok &= ~((np.abs(axis - k) * n <= 1.01) & (np.abs(k) > 0))
    return ok, r


_MASKS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def periodic_peaks(rgb: np.ndarray, face: Face) -> tuple[float, float]:
    """(peak prominence in dB, frequency of that peak in cycles/pixel) around the face.

    The analysed region is a square about twice the face size centred on it (the area a screen
    or print held in front of the camera would cover). Prominence is the peak's height over
    the local median of the spectrum (a 9x9-bin median filter), so it does not depend on the
    overall contrast of the picture.
    """
    h, w = rgb.shape[:2]
    side = int(min(max(_BLOCK, 2.0 * face.size), h, w))
    if side < _BLOCK:
        return 0.0, 0.0
    cx, cy = face.center
    x0 = int(min(max(0, cx - side / 2), w - side))
    y0 = int(min(max(0, cy - side / 2), h - side))
    gray = to_gray(rgb[y0:y0 + side, x0:x0 + side].astype(np.float32))
    lp = _welch_logpower(gray)
    if _BLOCK not in _MASKS:
        _MASKS[_BLOCK] = _allowed_mask(_BLOCK)
    mask, radius = _MASKS[_BLOCK]
    background = ndimage.median_filter(lp, size=9, mode="wrap")
    prom = np.where(mask, lp - background, -np.inf)
    i = int(np.argmax(prom))
    return float(prom.flat[i]), float(radius.flat[i])


def saturation(chip_rgb: np.ndarray) -> float:
    """Median HSV saturation (0..1) of the inner face on the canonical chip; NaN when most of
    the face is clipped (then the colour cannot be judged)."""
    c = _inner(chip_rgb).astype(np.float32)
    mx = c.max(axis=2)
    mn = c.min(axis=2)
    valid = (mx > 25) & (mx < 245)  # clipped or near-black pixels carry no colour information
    if valid.mean() < 0.3:
        return float("nan")
    return float(np.median(((mx - mn) / np.maximum(mx, 1))[valid]))


def border_sides(rgb: np.ndarray, face: Face) -> tuple[int, float]:
    """How many sides of the face (0..4) have a long straight edge beside them, and the length
    of the longest such edge relative to the face size.

    Canny edges + probabilistic Hough on a copy scaled to a 480-pixel long side. A side counts
    when a near-horizontal (above/below) or near-vertical (left/right) segment at least 1.3 face
    heights long lies fully outside the face box and spans across the face's extent.
    """
    from skimage.feature import canny
    from skimage.transform import probabilistic_hough_line

    h, w = rgb.shape[:2]
    s = min(1.0, 480.0 / max(h, w))
    g = to_gray(rgb.astype(np.float32))
    if s < 1.0:
        g = ndimage.zoom(g, s, order=1)
    f = face.shifted(0, 0, s)
    fs = max(f.width, f.height)
    min_len = max(30, int(1.3 * fs))
    if min_len > max(g.shape) * 0.95:
        return 0, 0.0
    edges = canny(g, sigma=2.0, low_threshold=10, high_threshold=30)
    lines = probabilistic_hough_line(edges, threshold=20, line_length=min_len, line_gap=4, rng=0)
    sides = set()
    longest = 0.0
    margin = 0.15 * fs
    gh, gw = g.shape
    edge = 4  # segments hugging the picture's own edge are resampling artefacts, not objects
    for (x0, y0), (x1, y1) in lines:
        if (max(x0, x1) < edge or min(x0, x1) > gw - 1 - edge
                or max(y0, y1) < edge or min(y0, y1) > gh - 1 - edge):
            continue
        dx, dy = x1 - x0, y1 - y0
        length = float(np.hypot(dx, dy))
        angle = abs(np.degrees(np.arctan2(dy, dx))) % 180
        if angle < 20 or angle > 160:  # horizontal
            ymid = (y0 + y1) / 2
            spans = min(x0, x1) <= f.left + 0.2 * fs and max(x0, x1) >= f.right - 0.2 * fs
            if not spans:
                continue
            if ymid < f.top - margin:
                sides.add("top")
            elif ymid > f.bottom + margin:
                sides.add("bottom")
            else:
                continue
        elif 70 < angle < 110:  # vertical
            xmid = (x0 + x1) / 2
            spans = min(y0, y1) <= f.top + 0.2 * fs and max(y0, y1) >= f.bottom - 0.2 * fs
            if not spans:
                continue
            if xmid < f.left - margin:
                sides.add("left")
            elif xmid > f.right + margin:
                sides.add("right")
            else:
                continue
        else:
            continue
        longest = max(longest, length / fs)
    return len(sides), longest
