"""How the lip check's verdicts depend on how much a speaker's mouth leads each digit's sound.

The lip check (``liveness/engine/lipsync.py``) asks, among other things, that the lag at which the
mouth fits each digit best be about the same for all four digits (``DIGIT_SPREAD_MAX``). Its
constants were tuned on generated talking faces whose jaw leads every word by 40-120 ms
(``mediagen.articulation``). Real speakers' lead varies with the word's first sound (a vowel or
/w/ opens the mouth well before the voice; /f/ and /s/ are heard before it opens) by an amount no
data in this repository shows. This bench measures the rule itself, without video or face
tracking, over a range of assumed leads: for each, genuine readings (the jaw drawn from the
reading's own word times) and dubbed ones (the jaw of another reading: other digits, voice, pace
and start), with tracker-like noise on the mouth opening, through ``lipsync.measure`` and
``lipsync.judge``, at the current ``DIGIT_SPREAD_MAX`` and at looser values.

It is a sensitivity analysis, not a measurement of real speakers: its figures say how much of the
genuine acceptance rests on the generator's assumption (docs/engine.md, "Lip sync").

    .venv/bin/python bench/lipsync_sensitivity.py            # 40 genuine and 40 dubbed per row
    .venv/bin/python bench/lipsync_sensitivity.py --n 20 --spreads 0.11 0.2
"""
from __future__ import annotations

import argparse
import collections
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from liveness.engine import lipsync  # noqa: E402
from liveness.engine.results import Scorer  # noqa: E402
from liveness.engine.video import SAMPLE_FPS  # noqa: E402
from tests import mediagen  # noqa: E402

SR = 16000
SPEEDS = (130, 145, 160, 175, 190)
LEADS = ((0.04, 0.12), (0.0, 0.15), (0.0, 0.20), (-0.05, 0.25))
OPENING_SCALE = 0.25  # jaw 0..1 as inner-lip gap / eye distance (the tracker's unit)


def _clip(rng: random.Random, i: int, dubbed: bool, lead: tuple[float, float], noise: float, seed: int):
    """(audio, heard digit times, frame times, mouth opening) of one reading."""
    digits = "".join(rng.choice("0123456789") for _ in range(4))
    voice, speed = rng.choice(mediagen.GOOD_VOICES), rng.choice(SPEEDS)
    speech, timings = mediagen.reading(digits, voice, speed, seed + i)
    lead_in = 0.5
    audio = np.concatenate([np.zeros(int(lead_in * SR), np.float32), speech, np.zeros(int(0.6 * SR), np.float32)])
    audio = audio + np.random.default_rng(seed + i).normal(0, 0.002, len(audio)).astype(np.float32)
    heard = [(d, s + lead_in, e + lead_in) for d, s, e in timings]
    times = np.arange(0, len(audio) / SR, 1 / SAMPLE_FPS)
    if dubbed:
        other = "".join(rng.choice("0123456789") for _ in range(4))
        other_voice = rng.choice([v for v in mediagen.GOOD_VOICES if v != voice])
        _, other_timings = mediagen.reading(other, other_voice, rng.choice(SPEEDS), seed + 500 + i)
        off = rng.uniform(0.3, 0.9)
        jaw = mediagen.articulation([(d, s + off, e + off) for d, s, e in other_timings], times, seed + 700 + i, lead)
    else:
        jaw = mediagen.articulation(heard, times, seed + i, lead)
    opening = OPENING_SCALE * jaw + np.random.default_rng(seed + 900 + i).normal(0, noise, len(times))
    return audio, heard, times, opening


def run(lead: tuple[float, float], spreads: list[float], n: int, noise: float, seed: int) -> dict:
    """Accepted counts per spread limit: {spread: (genuine accepted, dubbed accepted)}, and the
    genuine readings' measured spreads."""
    rng = random.Random(seed)
    clips = [(dubbed, _clip(rng, i, dubbed, lead, noise, seed)) for i in range(n) for dubbed in (False, True)]
    measured = [(dubbed, lipsync.measure(times, opening, heard, audio, SR, 1 / SAMPLE_FPS))
                for dubbed, (audio, heard, times, opening) in clips]
    accepted: dict[float, list[int]] = collections.defaultdict(lambda: [0, 0])
    saved = lipsync.DIGIT_SPREAD_MAX
    try:
        for spread in spreads:
            lipsync.DIGIT_SPREAD_MAX = spread
            for dubbed, ls in measured:
                sc = Scorer()
                lipsync.judge(ls, sc, 45.0)
                accepted[spread][int(dubbed)] += sc.hard_code is None
    finally:
        lipsync.DIGIT_SPREAD_MAX = saved
    genuine_spreads = np.array([ls.digit_lag_spread_s for dubbed, ls in measured if not dubbed], float)
    return {"accepted": dict(accepted), "spread_median": float(np.nanmedian(genuine_spreads)),
            "spread_p90": float(np.nanpercentile(genuine_spreads, 90))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="genuine and dubbed readings per row")
    ap.add_argument("--spreads", type=float, nargs="+", default=[lipsync.DIGIT_SPREAD_MAX, 0.15, 0.20, 0.30])
    ap.add_argument("--noises", type=float, nargs="+", default=[0.012, 0.03],
                    help="sd of the noise on the mouth opening (eye-distance units)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"# lip check sensitivity: {args.n} genuine + {args.n} dubbed readings per row (GOOD_VOICES, seed "
          f"{args.seed}); accepted genuine / accepted dubbed at each DIGIT_SPREAD_MAX "
          f"(current {lipsync.DIGIT_SPREAD_MAX})")
    print("| jaw lead (s) | opening noise | genuine spread median / p90 (s) | "
          + " | ".join(f"spread <= {s:g}" for s in args.spreads) + " |")
    print("|---|---|---|" + "---|" * len(args.spreads))
    for lead in LEADS:
        for noise in args.noises:
            r = run(lead, args.spreads, args.n, noise, args.seed)
            cells = " | ".join(f"{r['accepted'][s][0]}/{args.n} / {r['accepted'][s][1]}/{args.n}" for s in args.spreads)
            print(f"| {lead[0]:g} to {lead[1]:g} | {noise:g} | {r['spread_median']:.3f} / {r['spread_p90']:.3f} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
