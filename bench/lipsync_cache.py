"""Keep the lip check's inputs of bench/engine.py's talking-face clips, and judge them again fast.

``build``: one end-to-end pass (``mediagen.talking_clip`` -> ``analyse_digit_video``) per clip of
``bench.engine.lipsync_cases``; ``lipsync.measure``'s arguments (frame times, mouth opening, digit
timings, audio) are kept, and ``lipsync.judge`` is applied to a throwaway scorer, so the clip's
stored verdict (``ok``, ``code``) is the analysis *without* the lip check. ``judge``: the current
``lipsync.measure``/``judge`` on the kept inputs; a clip counts as accepted when its stored verdict
is ok and the lip check passes it: the same as end to end on the same encoding (the encoder's
run-to-run noise aside, docs/engine.md "Lip sync"). A candidate rule is a few milliseconds per
clip here against seconds per clip end to end.

    .venv/bin/python bench/lipsync_cache.py build tune articulated 16 /tmp/tune_art.pkl   # ~5 min
    .venv/bin/python bench/lipsync_cache.py judge /tmp/tune_art.pkl
"""
from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.engine import LIP_SETS, lipsync_cases, warm_up  # noqa: E402
from liveness.engine import lipsync  # noqa: E402
from liveness.engine.results import Scorer  # noqa: E402
from liveness.engine.video import analyse_digit_video  # noqa: E402
from tests import mediagen  # noqa: E402


def build(split: str, model: str, n: int) -> list[dict]:
    """[{set, digits, kw, ok, code, args}] of every clip of ``lipsync_cases(split, n, model)``;
    ``args`` is None when the analysis never reached the lip check."""
    measure, judge = lipsync.measure, lipsync.judge
    kept: list[tuple] = []

    def keep(*a):
        kept.append(a)
        return measure(*a)

    lipsync.measure = keep  # type: ignore[assignment]
    lipsync.judge = lambda ls, sc, pen: judge(ls, Scorer(), pen)  # type: ignore[assignment]
    out = []
    try:
        for name, d, kw in lipsync_cases(split, n, model):
            kept.clear()
            r = analyse_digit_video(mediagen.talking_clip(d, **kw), digits=d)
            out.append({"set": name, "digits": d, "kw": kw, "ok": r.ok, "code": r.code,
                        "args": kept[0] if kept else None})
    finally:
        lipsync.measure, lipsync.judge = measure, judge
    return out


def judge_all(clips: list[dict]) -> dict:
    """{set: [lip check passed, accepted, clips]} under the current lipsync.py, and the lip
    check's median process time per clip (ms) under "cpu_ms"."""
    out: dict = {}
    cpu = []
    for c in clips:
        s = out.setdefault(c["set"], [0, 0, 0])
        s[2] += 1
        if c["args"] is None:
            continue
        t0 = time.process_time()
        sc = Scorer()
        lipsync.judge(lipsync.measure(*c["args"]), sc, 45.0)
        cpu.append(time.process_time() - t0)
        s[0] += sc.hard_code is None
        s[1] += sc.hard_code is None and c["ok"]
    out["cpu_ms"] = 1000 * statistics.median(cpu) if cpu else float("nan")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("split", choices=["tune", "held-out"])
    b.add_argument("model", choices=["articulated", "onsets"])
    b.add_argument("n", type=int)
    b.add_argument("path")
    j = sub.add_parser("judge")
    j.add_argument("paths", nargs="+")
    args = ap.parse_args()
    if args.cmd == "build":
        warm_up()
        with open(args.path, "wb") as f:
            pickle.dump(build(args.split, args.model, args.n), f)
        return 0
    for path in args.paths:
        with open(path, "rb") as f:
            res = judge_all(pickle.load(f))
        dub = [res[k] for k in ("dubbed", "dubbed_same_digits") if k in res]
        print(f"{path}: " + "  ".join(f"{k} {res[k][1]}/{res[k][2]}" for k in LIP_SETS if k in res)
              + f"  | dubbed both kinds accepted {sum(x[1] for x in dub)}/{sum(x[2] for x in dub)}"
              + f"  | lip check median {res['cpu_ms']:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
