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


# Hough angles: every 0.25 degree within 15 degrees of the horizontal and of the vertical. The
# library default (whole degrees over 180) let a print tilted by a half degree slip between two
# bins: the segment walk along the quantised direction drifted off the edge and broke it up.
_AXIS_TOL = 15.0
_THETA = np.deg2rad(np.concatenate([
    np.arange(-_AXIS_TOL, _AXIS_TOL + 1e-9, 0.25),                       # vertical lines
    np.arange(90.0 - _AXIS_TOL, 90.0, 0.25), np.arange(-90.0, -90.0 + _AXIS_TOL, 0.25),  # horizontal
]))
CORNER_TOL = 0.5      # face sizes: how far a side's end may stop short of the frame corner
PERPENDICULAR_TOL = 6.0  # degrees: two sides of one rigid rectangle (some perspective allowed)


def _side_segments(g: np.ndarray, f: Face) -> dict[str, list[tuple[np.ndarray, np.ndarray, float]]]:
    """Long straight segments beside the face, by side: (end 1, end 2, direction in degrees).

    A segment counts for "top"/"bottom" when it is within 15 degrees of horizontal, at least
    1.3 face sizes long, lies fully above/below the face box (by 0.15 face) and spans the face's
    width; likewise "left"/"right" for near-vertical ones. Segments hugging the picture's own edge
    are resampling artefacts, not objects."""
    from skimage.feature import canny
    from skimage.transform import probabilistic_hough_line

    fs = max(f.width, f.height)
    min_len = max(30, int(1.3 * fs))
    out: dict[str, list] = {"top": [], "bottom": [], "left": [], "right": []}
    if min_len > max(g.shape) * 0.95:
        return out
    edges = canny(g, sigma=2.0, low_threshold=10, high_threshold=30)
    lines = probabilistic_hough_line(edges, threshold=20, line_length=min_len, line_gap=4, theta=_THETA, rng=0)
    margin = 0.15 * fs
    gh, gw = g.shape
    edge = 4
    for (x0, y0), (x1, y1) in lines:
        if (max(x0, x1) < edge or min(x0, x1) > gw - 1 - edge
                or max(y0, y1) < edge or min(y0, y1) > gh - 1 - edge):
            continue
        angle = float(np.degrees(np.arctan2(y1 - y0, x1 - x0))) % 180
        seg = (np.array([x0, y0], float), np.array([x1, y1], float), angle)
        if angle < 20 or angle > 160:  # horizontal
            ymid = (y0 + y1) / 2
            if not (min(x0, x1) <= f.left + 0.2 * fs and max(x0, x1) >= f.right - 0.2 * fs):
                continue
            if ymid < f.top - margin:
                out["top"].append(seg)
            elif ymid > f.bottom + margin:
                out["bottom"].append(seg)
        elif 70 < angle < 110:  # vertical
            xmid = (x0 + x1) / 2
            if not (min(y0, y1) <= f.top + 0.2 * fs and max(y0, y1) >= f.bottom - 0.2 * fs):
                continue
            if xmid < f.left - margin:
                out["left"].append(seg)
            elif xmid > f.right + margin:
                out["right"].append(seg)
    return out


def _meet_in_corner(a, b, tol: float) -> bool:
    """Whether two segments are (nearly) perpendicular and each ends within ``tol`` pixels of the
    intersection of their lines: the corner of one rectangle."""
    d = abs((a[2] - b[2]) % 180 - 90)
    if d > PERPENDICULAR_TOL:
        return False
    p, r = a[0], a[1] - a[0]
    q, s = b[0], b[1] - b[0]
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-9:
        return False
    t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / den
    corner = p + t * r
    near_a = min(np.linalg.norm(corner - a[0]), np.linalg.norm(corner - a[1]))
    near_b = min(np.linalg.norm(corner - b[0]), np.linalg.norm(corner - b[1]))
    return bool(near_a <= tol and near_b <= tol)


_ADJACENT = (("top", "left"), ("top", "right"), ("bottom", "left"), ("bottom", "right"))


def border_sides(rgb: np.ndarray, face: Face) -> tuple[int, float]:
    """How many sides (0, 2, 3 or 4) of a rectangular frame around the face were found, and the
    length of the longest of its sides relative to the face size.

    Canny edges + probabilistic Hough (0.25-degree steps) on a copy scaled to a 480-pixel long
    side; candidate sides from :func:`_side_segments`. A side belongs to the frame only when it
    meets an adjacent side in a corner (perpendicular within 6 degrees, both ending within half
    a face of the corner): the frame of a print, phone or tablet held up to the camera is a
    closed rectangle at whatever tilt. A lone long line (a flag pole, a door jamb, the edge of
    a curtain) or two parallel ones (curtains on both sides) are not a frame and count 0.
    """
    h, w = rgb.shape[:2]
    s = min(1.0, 480.0 / max(h, w))
    g = to_gray(rgb.astype(np.float32))
    if s < 1.0:
        g = ndimage.zoom(g, s, order=1)
    f = face.shifted(0, 0, s)
    fs = max(f.width, f.height)
    segs = _side_segments(g, f)
    tol = CORNER_TOL * fs
    framed: set[str] = set()
    for a_side, b_side in _ADJACENT:
        if any(_meet_in_corner(a, b, tol) for a in segs[a_side] for b in segs[b_side]):
            framed.update((a_side, b_side))
    longest = max((float(np.linalg.norm(sg[1] - sg[0])) / fs for side in framed for sg in segs[side]), default=0.0)
    return len(framed), longest


def _tone_range(values: np.ndarray) -> tuple[float, float]:
    """(1st percentile, spread to the 99th, at least 16 levels) of some grey or colour levels."""
    lo, hi = np.percentile(values, [1, 99])
    return float(lo), float(max(hi - lo, 16.0))


def flat_tone(chip_rgb: np.ndarray) -> float:
    """Share (0..1) of the inner face whose grey level lies in the fullest narrow band, the band
    being 8 % of the face's tonal spread (1st to 99th percentile; 12 levels on a normally exposed
    face), so that a dark or flat-lit photo is not read as flat.

    A drawing fills the face with one flat colour, so most of it sits in one narrow band
    (measured 0.80-0.93); the shading of a photographed face (forehead to cheeks to chin) spreads
    it out (measured 0.12-0.43, prints, screens and cartoons included). Camera noise widens a flat band by a
    few levels only."""
    g = to_gray(_inner(chip_rgb).astype(np.float32)).ravel()
    _lo, spread = _tone_range(g)
    band = max(6.0, 0.08 * spread)
    v = np.sort(g)
    counts = np.searchsorted(v, v + band, side="right") - np.arange(v.size)
    return float(counts.max() / max(v.size, 1))


def black_level(chip_rgb: np.ndarray) -> float:
    """The 0.5th percentile of the grey level over the whole aligned chip (face, hair, eyes):
    a photographed face has true blacks (pupils, nostrils, the shadow of hair); ink on paper
    does not go below the paper's black, 20-40 on a matte or faded print as re-photographed."""
    return float(np.percentile(to_gray(chip_rgb.astype(np.float32)), 0.5))


CLIP_LOW, CLIP_HIGH = 3, 252  # channel levels at or beyond these carry no tone (clipped)


def posterised(chip_rgb: np.ndarray) -> float:
    """How spiky the colour histograms of the inner face are (0..1, mean over R, G, B).

    Each channel's levels are mapped onto its own tonal spread (1st to 99th percentile = 100
    bins, so a dark picture is judged like a bright one), and the histogram lightly smoothed
    (1.5 bins, at least 1.5 original levels: this absorbs the comb a digital brightness gain
    leaves) is compared with the same heavily smoothed (7 bins): half their L1 distance. A cartoon
    filter or a drawing puts the face into a few flat colours, i.e. a few spikes (measured
    0.29-0.42 on cartoons, 0.47-0.54 on drawings); a photographed face's shading gives smooth
    histograms (0.04-0.10, prints and screens included).

    Clipped levels (<= 3 or >= 252) are left out of each channel's histogram and a channel clipped
    over half the face is not judged (0 when none is left): on a bright, light-skinned face the red
    channel clips over 30-60 % of the skin, and that one full bin read as a posterised level
    (0.17, bona fide photos of ``real_skin``)."""
    inner = _inner(chip_rgb).astype(np.float32)
    out = []
    for ch in range(3):
        v = inner[..., ch].ravel()
        v = v[(v > CLIP_LOW) & (v < CLIP_HIGH)]
        if v.size < 0.5 * inner.shape[0] * inner.shape[1]:
            continue
        lo, spread = _tone_range(v)
        u = np.clip((v - lo) / spread * 100.0, -5, 105)
        h, _ = np.histogram(u, bins=110, range=(-5, 105))
        h = h.astype(np.float64) / max(h.sum(), 1)
        fine = ndimage.gaussian_filter1d(h, max(1.5, 1.5 * 100.0 / spread))
        coarse = ndimage.gaussian_filter1d(h, 7.0)
        out.append(0.5 * float(np.abs(fine - coarse).sum()))
    return float(np.mean(out)) if out else 0.0


# dark floor noise (docs/engine.md "Selfie: fusion"). The measure (floor vs the shadows just above
# it, not vs the mid-tones) and these bands were chosen among four noise measures and three bands
# (8-30 or 10-40 levels, 10th or 25th percentile) on seeds 1 and 3 of tests/engine/attackset.py
# (faded-film stills against matte, faded and tilted prints, 20 per kind and seed) and on a first
# camera stress run (S-curves, median denoise), where the mid-tone measure failed
DARK_BAND = 6.0        # grey levels above the 0.5th percentile: the floor
NEAR_FROM, NEAR_TO = 8.0, 30.0  # grey levels above it: the shadows just above the floor
DARK_MIN_PIXELS = 200  # fewer floor (or near) pixels than this: the noise is not judged


def dark_floor_noise(rgb: np.ndarray, face: Face) -> tuple[float, float, int]:
    """(noise on the darkest floor / noise floor of the shadows just above it, that shadow noise
    in grey levels, number of floor pixels) around the face (0.9 face sizes either side, 1.0
    above, 0.8 below: face, hair, collar), at the analysed resolution; NaN ratio when either set
    has fewer than ``DARK_MIN_PIXELS`` pixels.

    Lifted blacks have two origins. Ink on paper photographed: the paper's black is a grey
    surface in the room's light; the camera puts its sensor noise on it as on the shadows just
    above it (ratio near 1). A faded look applied to a captured picture (a phone filter, an
    editor): the deepest shadows were crushed to black at capture, where the sensor's noise is
    clipped, and the grade lifts them without adding noise, while the shadows a little above
    them kept theirs (ratio well below 1). Comparing the floor with the levels 8-30 above it,
    not with the mid-tones, keeps the measure nearly independent of the camera's tone curve,
    whose slope changes little over so few levels (a contrasty S-curve, slope 0.7 in the
    shadows and 1.3 in the mid-tones, moved prints' floor/mid-tone ratio from about 1.1 to 0.6
    in a first stress run, and their floor/near ratio from 1.14 to 0.93-0.95 in
    ``bench/pad_floor.py``).

    Noise: the residual of a 1-px Gaussian blur, its local RMS over 7x7 pixels. The floor: the
    pixels within 6 levels of the 0.5th percentile of the region smoothed by 2 px; its median
    local RMS (hair edges in it raise it: they never make a print look digital). The near
    shadows: 8 to 30 levels above that percentile; their 10th percentile of local RMS, the
    flattest of them, where the noise is least mixed with detail (hair)."""
    h, w = rgb.shape[:2]
    s = face.size
    cx, cy = face.center
    x0, x1 = int(max(0, cx - 0.9 * s)), int(min(w, cx + 0.9 * s))
    y0, y1 = int(max(0, cy - 1.0 * s)), int(min(h, cy + 0.8 * s))
    g = to_gray(rgb[y0:y1, x0:x1].astype(np.float32))
    smooth = ndimage.gaussian_filter(g, 2.0)
    resid = g - ndimage.gaussian_filter(g, 1.0)
    local = np.sqrt(np.maximum(ndimage.uniform_filter(resid * resid, 7), 0.0))
    lo = float(np.percentile(smooth, 0.5))
    dark = smooth <= lo + DARK_BAND
    near = (smooth >= lo + NEAR_FROM) & (smooth <= lo + NEAR_TO)
    n_dark = int(dark.sum())
    if n_dark < DARK_MIN_PIXELS or near.sum() < DARK_MIN_PIXELS:
        return float("nan"), float("nan"), n_dark
    floor = float(np.percentile(local[near], 10))
    return float(np.median(local[dark])) / max(floor, 1e-6), floor, n_dark
