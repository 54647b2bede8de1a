"""Stress test of the dark-floor noise cue (``pad.dark_floor_noise``) against the camera's own
processing, which the attack set's camera does not model: a tone curve and denoising.

    python bench/pad_floor.py                 # seeds 1 and 3 (tuning), 6 per kind and seed
    python bench/pad_floor.py --seeds 31,32   # any other seeds

For each camera variant, the ratio (floor noise / noise of the shadows just above it) of faded-film
stills (the grade applied after the capture, as a phone filter does) and of matte and faded prints
(photographed). Variants, applied to the captured picture before any grade and the JPEG: ``plain``
(the attack set's camera), ``scurve.15`` / ``scurve.3`` (a contrast S-curve ``u - a sin(2 pi u) /
(2 pi)``: slope 0.85 / 0.7 in the deep shadows, 1.15 / 1.3 in the mid-tones; the second is a
strong "vivid" look), ``median3`` (a 3x3 median: crude denoising). Samples are drawn with their own
random streams (not the bench's samples of those seeds).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from liveness.engine import imaging, pad, selfie  # noqa: E402
from tests.engine import attackset  # noqa: E402


def scurve(a: float) -> Callable[[np.ndarray], np.ndarray]:
    def f(x: np.ndarray) -> np.ndarray:
        u = x.astype(np.float32) / 255
        return np.clip((u - a * np.sin(2 * np.pi * u) / (2 * np.pi)) * 255, 0, 255).astype(np.uint8)
    return f


def median3(x: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(x).filter(ImageFilter.MedianFilter(3)))


VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "plain": lambda x: x, "scurve.15": scurve(0.15), "scurve.3": scurve(0.3), "median3": median3}
KINDS = ("faded_film", "print_matte", "print_faded")


def ratio(jpeg: bytes) -> float:
    rgb, _ = imaging.decode_image(jpeg)
    rgb, _ = imaging.limit_size(rgb)
    face, _fail = selfie.find_single_face(rgb, {})
    return float("nan") if face is None else pad.dark_floor_noise(rgb, face)[0]


def make(kind: str, seed: int, i: int, isp: Callable[[np.ndarray], np.ndarray]) -> bytes:
    rng = np.random.default_rng([seed, 555, i, KINDS.index(kind)])
    if kind == "faded_film":
        img = attackset.astronaut_portrait(rng, *attackset.SIZE)
        return attackset.camera(img, rng, post=lambda s: attackset.grade(isp(s), "faded_film", rng))
    return attackset.camera(attackset._attack(kind, rng), rng, post=isp)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1,3")
    ap.add_argument("--per", type=int, default=6)
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"floor/near-shadow noise ratio, seeds {seeds}, {args.per} per kind and seed (min median max)")
    for name, isp in VARIANTS.items():
        for kind in KINDS:
            v = np.array([ratio(make(kind, sd, i, isp)) for sd in seeds for i in range(args.per)])
            v = v[v == v]
            print(f"  {name:10s} {kind:12s} {v.min():.2f} {np.median(v):.2f} {v.max():.2f} (n={v.size})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
