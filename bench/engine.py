"""Benchmarks of the local liveness engine: latency, real-time factor, digit accuracy and
face-similarity distributions. Everything it needs is generated (tests/mediagen.py).

    . .venv/bin/activate && python bench/engine.py            # full run, ~3-5 minutes
    python bench/engine.py --quick                             # fewer repetitions
    python bench/engine.py --json var/bench-engine.json        # also write the figures
    python bench/engine.py --only digits                       # one part (repeatable)
    python bench/engine.py --only pad                          # selfie attacks vs bona fide photos
    python bench/engine.py --only pad --pad-tuning             # ... also on the tuning seeds
    python bench/engine.py --only lipsync                      # lip sync: 76 + 52 generated 4-s clips, ~10 min CPU
    python bench/engine.py --only video --profile              # ... and where the video analysis's CPU goes

Timings are taken on ONE core (the process pins itself to CPU 0 where the OS allows it).
"""
from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import math
import os
import pstats
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from liveness.engine import (  # noqa: E402
    RECOMMENDED_THRESHOLDS, analyse_digit_video, analyse_selfie, distance_to_similarity, warm_up,
)
from liveness.engine import digits as asr  # noqa: E402
from liveness.engine import faces, video  # noqa: E402
from liveness.engine.imaging import decode_image, limit_size  # noqa: E402
from tests import mediagen  # noqa: E402


def pct(xs, q):
    return float(np.percentile(np.asarray(xs, float), q))


def one_core() -> str:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        return "pinned to one core"
    except (AttributeError, OSError):
        return "NOT pinned (sched_setaffinity unavailable)"


def bench_selfie(reps: int) -> dict:
    variants = {
        "good 600x800": mediagen.selfie_jpeg(),
        "phone photo 1800x2400": mediagen.selfie_jpeg(size=(1800, 2400)),
        "moire": mediagen.selfie_jpeg(moire=0.12),
        "blurred": mediagen.selfie_jpeg(blur=5),
    }
    out = {}
    for name, data in variants.items():
        analyse_selfie(data)
        times = []
        for _ in range(reps):
            t = time.perf_counter()
            r = analyse_selfie(data)
            times.append((time.perf_counter() - t) * 1000)
        out[name] = {"median_ms": statistics.median(times), "p95_ms": pct(times, 95), "score": r.score}
    allt = [v["median_ms"] for v in out.values()]
    out["_overall_median_ms"] = statistics.median(allt)
    return out


VIDEO_S = 4.0  # the capture page records 4-s clips
VIDEO_READINGS = [("4821", "en-us+m1", 160), ("9036", "en-us+f2", 170), ("1574", "en-us+m2", 150),
                  ("6203", "en-us+klatt", 175), ("3958", "en-us+f5", 160), ("7140", "en-us+edward", 150)]


def bench_video(reps: int, profiler: cProfile.Profile | None = None) -> dict:
    """Real-time factor (analysis time / clip length) of ``analyse_digit_video`` with the card,
    over 4-s clips of six readings, ``reps`` times each: wall time on the pinned core and the
    process's CPU time (the same figure, less the other work sharing the machine). With
    ``profiler``, the analyses run under it (the timings then include its overhead)."""
    out = {}
    formats = {
        "webm 480x640 4s": {}, "mp4 480x640 4s": {"fmt": "mp4"}, "webm 854x480 4s": {"size": (854, 480)},
    }
    card = mediagen.card_jpeg()
    for name, kw in formats.items():
        clips = [(d, mediagen.digit_video(d, voice=v, speed=sp, duration=VIDEO_S, lead_in=0.4, **kw))
                 for d, v, sp in VIDEO_READINGS]
        analyse_digit_video(clips[0][1], digits=clips[0][0])
        wall, cpu, ok = [], [], 0
        for _ in range(reps):
            for d, data in clips:
                t, c = time.perf_counter(), time.process_time()
                if profiler is not None:
                    profiler.enable()
                r = analyse_digit_video(data, digits=d, card=card)
                if profiler is not None:
                    profiler.disable()
                wall.append((time.perf_counter() - t) / r.metrics["duration_s"])
                cpu.append((time.process_time() - c) / r.metrics["duration_s"])
                ok += r.ok
        out[name] = {"runs": len(wall), "accepted": ok, "rtf_median": statistics.median(wall), "rtf_p95": pct(wall, 95),
                     "cpu_rtf_median": statistics.median(cpu), "cpu_rtf_p95": pct(cpu, 95)}
    return out


VIDEO_CONTAINERS = [("webm", "WebM/Opus"), ("mp4", "MP4/AAC")]


# ---------------------------------------------------------------- lip sync (talking faces)

LIP_CODES = ("LOCAL_NO_LIP_MOVEMENT", "LOCAL_LIPS_OUT_OF_SYNC")
LIP_SETS = ("genuine", "genuine_wide", "dubbed", "dubbed_same_digits", "lagged", "envelope_jaw", "envelope_jaw_lagged", "still_photo")
LAGS_S = (0.2, 0.4, 0.6, 0.8, 1.0)
# "genuine_wide": the articulated jaw leading each word by -50..250 ms (drawn per word) instead of
# 40-120 ms, as a real speaker's lead may vary with the word's first sound (vowel and /w/ onsets
# open early, /f/ /s/ /th/ are heard before the mouth opens); reported apart, never used to tune
# the dubbed side
WIDE_LEAD = (-0.05, 0.25)


# the second talking-face model (never used to set a constant): mouth from the audio's own syllable
# onsets, real recorded voices (FSDD) and espeak-ng accents outside GOOD_VOICES, the face at
# another size and place, a moving head
ONSET_VOICES = ("fsdd:jackson", "fsdd:nicolas", "fsdd:theo", "en-gb-scotland+m3", "en-029+f4", "en-us-nyc+m5")


def lipsync_cases(split: str, n: int, model: str = "articulated") -> list[tuple[str, str, dict]]:
    """[(set name, challenge digits, mediagen.talking_clip keyword arguments)] of one seed split
    ("tune": seeds from 0, "held-out": seeds from 10000; 20000 more for ``model="onsets"``).
    ``n`` genuine clips, ``n`` dubbed ones (the face animated by another reading: other digits,
    voice, pace and start), ``n // 2`` dubbed with the same digits in another voice and pace
    started at the same moment, every lag of LAGS_S both ways, and (articulated model only) the
    envelope-driven jaw on a still photo (in sync and lagged) and ``n`` "genuine_wide" clips (the
    jaw leading each word by WIDE_LEAD, drawn per word; drawn after the other sets, which keep
    their clips).

    ``model="articulated"``: ``mediagen.articulation`` (jaw bumps per syllable from the exact word
    times and a vowel table), GOOD_VOICES, the face 0.38 of the frame wide at the usual place, a
    small sway; the constants of lipsync.py were tuned on its "tune" split. ``model="onsets"``:
    ``mediagen.onset_mouth`` (the jaw driven by the syllable onsets found in the audio, random
    amplitudes, smoothed), ONSET_VOICES, the face 0.28-0.46 wide at a drawn place, head motion."""
    base = (0 if split == "tune" else 10000) + (20000 if model == "onsets" else 0)
    rng = random.Random(base + 7)
    faces_ = ["astronaut"] + mediagen.usable_lfw_faces()
    voices = list(ONSET_VOICES) if model == "onsets" else mediagen.GOOD_VOICES

    def reading(i: int) -> dict:
        r = {"voice": rng.choice(voices), "speed": rng.choice((130, 145, 160, 175, 190)), "seed": base + i,
             "face": rng.choice(faces_)}
        if model == "onsets":
            r.update(mouth="onsets", head_motion=True, face_frac=round(rng.uniform(0.28, 0.46), 2),
                     center=(round(rng.uniform(0.4, 0.6), 2), round(rng.uniform(0.36, 0.48), 2)))
        place = {k: r[k] for k in ("face_frac", "center") if k in r}
        if not mediagen.talking_face_ok(r["face"], **place):  # replaced without changing the draws that follow
            r["face"] = "astronaut"
        return r

    def digits4() -> str:
        return "".join(rng.choice("0123456789") for _ in range(4))

    out = []
    for i in range(n):
        out.append(("genuine", digits4(), reading(i)))
    for i in range(n):
        d, r = digits4(), reading(100 + i)
        other = digits4()
        mr = (other, rng.choice([v for v in voices if v != r["voice"]]), rng.choice((130, 145, 160, 175, 190)), base + 500 + i)
        out.append(("dubbed", d, {**r, "mouth_reading": mr, "mouth_lead_in": round(rng.uniform(0.3, 0.9), 2)}))
    for i in range(n // 2):
        d, r = digits4(), reading(200 + i)
        mr = (d, rng.choice([v for v in voices if v != r["voice"]]), rng.choice((130, 145, 160, 175, 190)), base + 600 + i)
        out.append(("dubbed_same_digits", d, {**r, "mouth_reading": mr}))
    for i, lag in enumerate(LAGS_S):
        for sign in (1, -1):
            out.append(("lagged", digits4(), {**reading(300 + 2 * i + (sign < 0)), "mouth_lag": sign * lag}))
    if model == "articulated":
        for i in range(max(2, n // 4)):
            out.append(("envelope_jaw", digits4(), {**reading(400 + i), "mouth": "envelope"}))
        for i, lag in enumerate((0.2, -0.2, 0.6, -0.6)):
            out.append(("envelope_jaw_lagged", digits4(), {**reading(450 + i), "mouth": "envelope", "mouth_lag": lag}))
    for i in range(max(2, n // 8)):
        out.append(("still_photo", digits4(), {**reading(480 + i), "mouth": "still"}))
    if model == "articulated":  # drawn last: the sets above keep their clips
        for i in range(n):
            out.append(("genuine_wide", digits4(), {**reading(700 + i), "mouth_lead": WIDE_LEAD}))
    return out


def bench_lipsync(split: str, n: int, model: str = "articulated") -> dict:
    """Share of each set that passes the lip check (no NO_LIP_MOVEMENT / LIPS_OUT_OF_SYNC finding)
    and that is accepted outright, on 4-s WebM 480x640 talking_clip videos; and the CPU time of
    the lip check itself (``lipsync.measure`` and ``judge``) per clip."""
    from liveness.engine import lipsync

    per: dict[str, dict] = {}
    rows = []
    lip_cpu: list[float] = []
    measure, judge = lipsync.measure, lipsync.judge

    def timed(fn):
        def run(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                lip_cpu.append(time.process_time() - t)
        return run

    lipsync.measure, lipsync.judge = timed(measure), timed(judge)
    try:
        clips = [(name, d, kw, analyse_digit_video(mediagen.talking_clip(d, **kw), digits=d))
                 for name, d, kw in lipsync_cases(split, n, model)]
    finally:
        lipsync.measure, lipsync.judge = measure, judge
    for name, d, kw, r in clips:
        # a hard lip finding costs HARD_PENALTY + 5 = 40; the soft "loosely in sync" ramps cost at most 30
        lip_fail = any(code in LIP_CODES and pen >= video.HARD_PENALTY for code, pen in r.penalties)
        s = per.setdefault(name, {"clips": 0, "lip_pass": 0, "accepted": 0})
        s["clips"] += 1
        s["lip_pass"] += not lip_fail
        s["accepted"] += r.ok
        rows.append({"set": name, "digits": d, "heard": r.recognised_digits, "ok": r.ok, "code": r.code,
                     **{k: v for k, v in kw.items() if k != "mouth_reading"},
                     **{k: v for k, v in r.metrics.items() if k.startswith("lip_")}})
    for s in per.values():
        s["lip_pass_rate"] = s["lip_pass"] / s["clips"]
        s["accepted_rate"] = s["accepted"] / s["clips"]
    # measure and judge run once per clip that reaches the lip check: pairs of timings
    per_clip = [a + b for a, b in zip(lip_cpu[::2], lip_cpu[1::2])]
    return {"split": split, "model": model, "sets": per, "clips": rows,
            "lip_cpu_ms_median": 1000 * statistics.median(per_clip) if per_clip else math.nan,
            "lip_cpu_ms_max": 1000 * max(per_clip) if per_clip else math.nan}


def _samples(wav: bytes) -> np.ndarray:
    x, sr = mediagen.wav_to_array(wav)
    return mediagen._resample(x, sr, asr.SAMPLE_RATE)


def _rate(xs) -> str:
    xs = list(xs)
    return f"{sum(xs)}/{len(xs)} = {sum(xs) / len(xs):.1%}" if xs else "-"


def bench_digits(per_group: int, parity_n: int) -> dict:
    """The challenge verification (``digits.verify``) on bench/speechset.py's two splits:
    acceptance of right readings and of wrong ones (one digit off, swapped, left out, other),
    by voice family and by noise; CPU time per reading; and whether a reading gets the same
    verdict from WAV audio as from the same audio carried in WebM/Opus and MP4/AAC."""
    import speechset  # bench/speechset.py

    from liveness.engine import video

    out: dict = {"set": f"bench/speechset.py, {per_group} readings per voice family and split"}
    for split in ("tune", "heldout"):
        rows = []
        for r in speechset.build(split, per_group):
            t = time.process_time()
            c = asr.verify(r.audio, r.expected, r.language)
            rows.append({"group": r.group, "noise": r.noise, "rate": r.rate, "kind": r.kind, "right": r.right,
                         "accepted": c.accepted, "no_speech": c.no_speech, "llr": c.llr,
                         "cpu_s": time.process_time() - t, "audio_s": len(r.audio) / asr.SAMPLE_RATE,
                         "reading": r})
        res = {"readings": len(rows)}
        for key, sel in [("all", lambda x: True)] + [
                (g, (lambda g: lambda x: x["group"] == g)(g)) for g in sorted({x["group"] for x in rows})] + [
                (f"noise {n}", (lambda n: lambda x: x["noise"] == n)(n)) for n in speechset.NOISES] + [
                ("rate 8000", lambda x: x["rate"] == 8000), ("rate 16000", lambda x: x["rate"] == 16000)]:
            sub = [x for x in rows if sel(x)]
            right = [x["accepted"] for x in sub if x["right"]]
            wrong = [x["accepted"] for x in sub if not x["right"]]
            one_off = [x["accepted"] for x in sub if x["kind"] == "one_off"]
            res[key] = {"right_accepted": _rate(right), "wrong_accepted": _rate(wrong), "one_off_accepted": _rate(one_off),
                        "right_no_speech": sum(x["no_speech"] for x in sub if x["right"])}
        cpu = [x["cpu_s"] for x in rows]
        res["cpu_median_s"], res["cpu_p95_s"] = statistics.median(cpu), pct(cpu, 95)
        res["audio_median_s"] = statistics.median(x["audio_s"] for x in rows)
        out[split] = res
        if split == "heldout":
            parity_rows = rows[:: max(1, len(rows) // parity_n)][:parity_n]
    # the same verdict from WAV audio and from that audio carried in each container
    agree = 0
    for x in parity_rows:
        r = x["reading"]
        verdicts = [x["accepted"]]
        for fmt, _ in VIDEO_CONTAINERS:
            audio = video.decode(mediagen.audio_video(r.audio, asr.SAMPLE_RATE, fmt=fmt)).audio
            verdicts.append(asr.verify(audio, r.expected, r.language).accepted)
        agree += len(set(verdicts)) == 1
    out["containers"] = {"readings": len(parity_rows), "same_verdict_wav_webm_mp4": agree}
    # no speech: noise alone must give no_speech, never a verdict on digits
    noise_only = [asr.verify(mediagen.pink_noise(4 * asr.SAMPLE_RATE, s) * 0.05, "4821").no_speech for s in range(5)]
    out["noise_only_no_speech"] = _rate(noise_only)
    # chatter alone (speech, but no digits): a refusal, never a verdict of "right"
    chatter = [asr.verify(mediagen.babble(5.0, asr.SAMPLE_RATE, 5, s)[: 4 * asr.SAMPLE_RATE] * 0.1, "4821") for s in range(3)]
    out["chatter_only_refused"] = _rate(not c.accepted for c in chatter)
    return out


def _desc(rgb: np.ndarray) -> np.ndarray | None:
    rgb, _ = limit_size(rgb, 1400)
    found = faces.detect(rgb, 0) or faces.detect(rgb, 1)
    if not found:
        return None
    f = faces.landmarks(rgb, max(found, key=lambda f: f.size))
    return faces.descriptor(rgb, f)


def bench_similarity(max_lfw: int) -> dict:
    from PIL import Image, ImageFilter

    names = mediagen.usable_lfw_faces()[:max_lfw]
    base = {}
    for name in ["astronaut"] + names:
        d = _desc(mediagen.selfie_rgb(name))
        if d is not None:
            base[name] = d
    # same person: each face against re-renderings of the same photo (lighting, blur, size,
    # rotation, mirror, JPEG) and, for the astronaut, against the ID card
    def variants(name):
        img = mediagen.selfie_rgb(name)
        yield np.asarray(Image.fromarray(img).transpose(Image.FLIP_LEFT_RIGHT))
        yield np.clip(img * 0.55, 0, 255).astype(np.uint8)
        yield np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(2)))
        yield mediagen.selfie_rgb(name, rotate=15)
        yield mediagen.selfie_rgb(name, scale=0.4)
        yield decode_image(mediagen.selfie_jpeg(name, quality=30))[0]

    same = []
    for name, d in base.items():
        for img in variants(name):
            v = _desc(np.ascontiguousarray(img))
            if v is not None:
                same.append(float(np.linalg.norm(v - d)))
    card = _desc(decode_image(mediagen.card_jpeg())[0])
    same.append(float(np.linalg.norm(card - base["astronaut"])))
    diff = [float(np.linalg.norm(base[a] - base[b])) for a, b in itertools.combinations(base, 2)]
    res = {"faces": len(base), "same_pairs": len(same), "different_pairs": len(diff)}
    for label, xs in (("same", same), ("different", diff)):
        res[label] = {
            "distance_p5": pct(xs, 5), "distance_median": pct(xs, 50), "distance_p95": pct(xs, 95),
            "distance_min": min(xs), "distance_max": max(xs),
            "similarity_median": distance_to_similarity(pct(xs, 50)),
        }
    res["by_threshold"] = {}
    for thr in (60, 70, 75, 80):
        far = sum(distance_to_similarity(x) >= thr for x in diff) / len(diff)
        frr = sum(distance_to_similarity(x) < thr for x in same) / len(same)
        res["by_threshold"][thr] = {"false_accept": far, "false_reject": frr,
                                    "false_accepts": int(round(far * len(diff)))}
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--only", choices=["selfie", "pad", "video", "lipsync", "digits", "similarity"], action="append",
                    help="run only these parts (repeatable); default all")
    ap.add_argument("--profile", action="store_true",
                    help="video part: also print where the analysis's CPU time goes (cProfile, process time)")
    ap.add_argument("--pad-tuning", action="store_true",
                    help="pad part: also the tuning splits (seeds 1 and 3), not only the held-out one")
    args = ap.parse_args()
    parts = set(args.only or ["selfie", "pad", "video", "lipsync", "digits", "similarity"])
    pinning = one_core()
    t0 = time.perf_counter()
    warm_up()
    load_s = time.perf_counter() - t0
    q = args.quick
    print(f"# local engine benchmark ({pinning}; models loaded in {load_s:.2f}s)")
    results = {"pinning": pinning, "model_load_s": load_s}

    if "selfie" in parts:
        _report_selfie(results, q)
    if "pad" in parts:
        _report_selfie_pad(results, q, args.pad_tuning)
    if "video" in parts:
        _report_video(results, q, args.profile)
    if "lipsync" in parts:
        _report_lipsync(results, q)
    if "digits" in parts:
        _report_digits(results, q)
    if "similarity" in parts:
        _report_similarity(results, q)
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2, default=float)
    print(f"\ntotal {time.perf_counter() - t0:.0f}s")
    return 0


def _report_selfie(results: dict, q: bool) -> None:
    s = results["selfie"] = bench_selfie(5 if q else 25)
    print("\n## selfie (analyse_selfie)                       median    p95   score")
    for k, v in s.items():
        if not k.startswith("_"):
            print(f"  {k:40s} {v['median_ms']:6.0f}ms {v['p95_ms']:5.0f}ms  {v['score']}")
    print(f"  target: median <= 300 ms -> {s['_overall_median_ms']:.0f} ms ({s['_overall_median_ms'] / 300:.2f}x of target)")


# ------------------------------------------------------------ selfie presentation attacks ----

# thresholds were tuned on seeds 1 and 3; seed 2 was the first held-out split (looked at once,
# then the blacks threshold was re-tuned on 1 and 3); seeds 4 and 11-13 are held out (no constant
# was set on them) and reported together
PAD_TUNE_SEEDS, PAD_HELD_OUT_SEEDS = (1, 3), (4, 11, 12, 13)
# bona fide kinds the "real photos refused" target is computed on; real_lfw (25-px grey
# lfw_subset tiles enlarged 8x and tinted) is reported apart: not a phone-quality photo
PAD_TARGET_REALS = ("real_plain", "real_scene", "real_graded")
# bona fide kinds added with issue 16 item 3 (varied phone captures, re-toned skin) and with the
# dark-floor cue (real_filtered: phone captures with a grade applied), reported apart and together
# with the target kinds
PAD_NEW_REALS = ("real_phone", "real_skin", "real_filtered")


def bench_selfie_pad(seeds: tuple[int, ...], per_kind: int) -> dict:
    """Acceptance (score >= the liveness threshold and no hard failure) per kind of
    tests/engine/attackset.py over ``seeds``; bona fide refusals of ``real_graded`` and
    ``real_filtered`` also per grade."""
    from tests.engine import attackset

    thr = RECOMMENDED_THRESHOLDS["liveness"]
    kinds: dict[str, dict] = {}
    grades: dict[str, list[int]] = {}
    for seed in seeds:
        for smp in attackset.build(seed, per_kind, per_kind):
            r = analyse_selfie(smp.jpeg)
            accepted = bool(r.ok and r.score is not None and r.score >= thr)
            k = kinds.setdefault(smp.kind, {"attack": smp.attack, "n": 0, "accepted": 0, "names": []})
            k["n"] += 1
            k["accepted"] += accepted
            if accepted == smp.attack:  # an attack accepted or a bona fide photo refused
                k["names"].append(f"{smp.name}={r.score}")
            if smp.kind in ("real_graded", "real_filtered"):
                how = attackset.GRADES[int(smp.name.rsplit(".", 1)[1]) % len(attackset.GRADES)]
                g = grades.setdefault(how if smp.kind == "real_graded" else f"filtered {how}", [0, 0])
                g[0] += not accepted
                g[1] += 1
    attacks = [k for k in kinds.values() if k["attack"]]
    reals = [kinds[n] for n in PAD_TARGET_REALS]
    new = [kinds[n] for n in PAD_NEW_REALS]
    faded = grades.get("faded_film", [0, 0])
    return {
        "new_reals_n": sum(k["n"] for k in new), "new_reals_refused": sum(k["n"] - k["accepted"] for k in new),
        "seeds": list(seeds), "kinds": kinds, "graded_refused_by_grade": grades,
        "attacks_n": sum(k["n"] for k in attacks), "attacks_accepted": sum(k["accepted"] for k in attacks),
        "reals_n": sum(k["n"] for k in reals), "reals_refused": sum(k["n"] - k["accepted"] for k in reals),
        "reals_n_without_faded_film": sum(k["n"] for k in reals) - faded[1],
        "reals_refused_without_faded_film": sum(k["n"] - k["accepted"] for k in reals) - faded[0],
    }


def bench_pad_time(reps: int) -> dict:
    """Median CPU time (process time: the machine is shared, wall time is not this code's) of
    analyse_selfie on the good 600x800 selfie with and without the learned model and reproduction
    cues (``selfie.assess_reproduction``), of the two models alone, and of the border check with
    its 0.25-degree Hough angles against the library's whole degrees."""
    from liveness.engine import antispoof, pad, selfie

    data = mediagen.selfie_jpeg()
    rgb = decode_image(data)[0]
    box = (179, 83, 266, 170)
    face = faces.Face(*box, 1.0)

    def timed(fn) -> float:
        fn()
        ts = []
        for _ in range(reps):
            t = time.process_time()
            fn()
            ts.append((time.process_time() - t) * 1000)
        return statistics.median(ts)

    full = timed(lambda: analyse_selfie(data))
    original = selfie.assess_reproduction
    selfie.assess_reproduction = lambda *a, **k: None
    try:
        without = timed(lambda: analyse_selfie(data))
    finally:
        selfie.assess_reproduction = original
    model = timed(lambda: antispoof.class_probabilities(rgb, box))
    border = timed(lambda: pad.border_sides(rgb, face))
    theta = pad._THETA
    pad._THETA = np.deg2rad(np.arange(-90.0, 90.0, 1.0))
    try:
        border_whole = timed(lambda: pad.border_sides(rgb, face))
    finally:
        pad._THETA = theta
    return {"with_ms": full, "without_ms": without, "added_ms": full - without, "model_ms": model,
            "border_ms": border, "border_whole_degree_ms": border_whole}


def _report_selfie_pad(results: dict, q: bool, tuning: bool = False) -> None:
    per = 4 if q else 10
    out = results["selfie_pad"] = {}
    splits = [("held-out", PAD_HELD_OUT_SEEDS[:1] if q else PAD_HELD_OUT_SEEDS)]
    if tuning:
        splits = [("tuning", PAD_TUNE_SEEDS)] + splits
    for label, seeds in splits:
        x = out[label] = bench_selfie_pad(seeds, per)
        print(f"\n## selfie attacks (tests/engine/attackset.py, {label} seeds {', '.join(map(str, seeds))};"
              f" {per} per kind and seed; accepted = ok and score >= 70)")
        for kind, k in x["kinds"].items():
            what = "accepted" if k["attack"] else "accepted (bona fide)"
            print(f"  {kind:22s} {what:21s} {k['accepted']:2d}/{k['n']:<2d}  " + " ".join(k["names"][:6]))
        print("  real_graded / real_filtered refused per grade: " + ", ".join(f"{g} {r}/{n}" for g, (r, n) in x["graded_refused_by_grade"].items()))
        print(f"  attacks accepted: {x['attacks_accepted']}/{x['attacks_n']} ({x['attacks_accepted'] / x['attacks_n']:.1%}; target <= 10 %, drawn 0)")
        print(f"  real photos refused ({'+'.join(PAD_TARGET_REALS)}; one person, the astronaut): {x['reals_refused']}/{x['reals_n']}"
              f" ({x['reals_refused'] / x['reals_n']:.1%}; target <= 5 %); without the faded-film grade:"
              f" {x['reals_refused_without_faded_film']}/{x['reals_n_without_faded_film']}"
              f" ({x['reals_refused_without_faded_film'] / max(1, x['reals_n_without_faded_film']):.1%})")
        both_n, both_r = x["reals_n"] + x["new_reals_n"], x["reals_refused"] + x["new_reals_refused"]
        print(f"  new bona fide kinds ({'+'.join(PAD_NEW_REALS)}; the astronaut re-lit, re-toned, re-shot, filtered) refused:"
              f" {x['new_reals_refused']}/{x['new_reals_n']}; all six kinds: {both_r}/{both_n} ({both_r / both_n:.1%})")
    t = out["time"] = bench_pad_time(5 if q else 15)
    print(f"  CPU time per 600x800 selfie (median, one core): {t['with_ms']:.0f} ms with the model and cues,"
          f" {t['without_ms']:.0f} ms without (added {t['added_ms']:.0f} ms; the two ONNX models alone {t['model_ms']:.1f} ms);"
          f" border check {t['border_ms']:.0f} ms at 0.25-degree steps, {t['border_whole_degree_ms']:.0f} ms at whole degrees")


def _report_video(results: dict, q: bool, profile: bool = False) -> None:
    profiler = cProfile.Profile(time.process_time) if profile else None
    v = results["video"] = bench_video(1 if q else 3, profiler)
    print("\n## digit video (analyse_digit_video with card), 4-s clips, 6 readings   RTF wall med/p95   CPU med/p95  accepted")
    for k, x in v.items():
        print(f"  {k:22s} {x['runs']:3d} runs   {x['rtf_median']:.3f} / {x['rtf_p95']:.3f}    {x['cpu_rtf_median']:.3f} / {x['cpu_rtf_p95']:.3f}   {x['accepted']}/{x['runs']}")
    print("  target: real-time factor <= 0.5 on one core (median)")
    if profiler is not None:
        runs = sum(x["runs"] for x in v.values())
        print(f"\n  where the CPU goes (cProfile, process time, cumulative over all {runs} runs; divide by {runs} per clip):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(r"liveness/engine|dlib|ctranslate2|av\.", 30)


LIP_SEPARATION = ("lip_sync", "lip_digit_fit_min", "lip_digit_lag_spread_s", "lip_digit_open_corr")


def _report_lipsync(results: dict, q: bool) -> None:
    """Lip-sync sets on the held-out seed split of both talking-face models (the constants were
    tuned on the articulated model's "tune" split; the onsets model was never used to tune)."""
    for model in ("articulated", "onsets"):
        lip = results[f"lipsync_{model}"] = bench_lipsync("held-out", 3 if q else 16, model)
        print(f"\n## lip sync ({model} talking_clip, 4-s WebM 480x640, seed split {lip['split']!r})"
              "   clips  lip check passed  accepted")
        for name in LIP_SETS:
            x = lip["sets"].get(name)
            if x:
                print(f"  {name:22s} {x['clips']:4d}   {x['lip_pass']:3d} = {x['lip_pass_rate']:6.1%}   {x['accepted']:3d} = {x['accepted_rate']:6.1%}")
        dub = [lip["sets"][k] for k in ("dubbed", "dubbed_same_digits") if k in lip["sets"]]
        n_dub = sum(x["clips"] for x in dub)
        print(f"  dubbed, both kinds: lip check passed {sum(x['lip_pass'] for x in dub)}/{n_dub},"
              f" accepted {sum(x['accepted'] for x in dub)}/{n_dub}")
        print("  separation (min / median / max per set; the decision rule is in liveness/engine/lipsync.py):")
        for name in ("genuine", "genuine_wide", "dubbed", "dubbed_same_digits", "lagged", "envelope_jaw"):
            rows = [r for r in lip["clips"] if r["set"] == name]
            cells = []
            for key in LIP_SEPARATION:
                xs = [float(r[key]) for r in rows if key in r]
                cells.append(f"{key[4:]} {min(xs):+.2f}/{statistics.median(xs):+.2f}/{max(xs):+.2f}" if xs else f"{key[4:]} -")
            if rows:
                print(f"    {name:20s} " + "  ".join(cells))
        print(f"  lip check CPU (lipsync.measure + judge) per clip: median {lip['lip_cpu_ms_median']:.1f} ms,"
              f" max {lip['lip_cpu_ms_max']:.1f} ms")
    print("  target: dubbed and lagged accepted <= 5 %, genuine accepted >= 90 %")


def _report_digits(results: dict, q: bool) -> None:
    d = results["digits"] = bench_digits(12 if q else 40, 8 if q else 20)
    print(f"\n## spoken-digit challenge verification (digits.verify), set: {d['set']}")
    for split in ("tune", "heldout"):
        x = d[split]
        print(f"  split {split} ({x['readings']} readings, median {x['audio_median_s']:.1f} s of audio;"
              f" CPU per reading median {x['cpu_median_s']:.2f} s, p95 {x['cpu_p95_s']:.2f} s)")
        for k, v in x.items():
            if isinstance(v, dict):
                print(f"    {k:14s} right accepted {v['right_accepted']:18s} wrong accepted {v['wrong_accepted']:16s}"
                      f" one digit off accepted {v['one_off_accepted']:14s} (right heard as no speech: {v['right_no_speech']})")
    c = d["containers"]
    print(f"  same verdict from WAV, WebM/Opus and MP4/AAC audio: {c['same_verdict_wav_webm_mp4']} of {c['readings']} held-out readings")
    print(f"  pink noise alone reported as no speech: {d['noise_only_no_speech']}")
    print(f"  chatter alone (no digits) refused: {d['chatter_only_refused']}")
    print("  targets: right accepted >= 95 %, wrong accepted <= 1 %, the same verdict in every container")


def _report_similarity(results: dict, q: bool) -> None:
    sim = results["similarity"] = bench_similarity(30 if q else 100)
    print(f"\n## face similarity ({sim['faces']} faces; {sim['same_pairs']} same-photo pairs, {sim['different_pairs']} different-face pairs)")
    for k in ("same", "different"):
        x = sim[k]
        print(f"  {k:9s} distance p5 {x['distance_p5']:.3f}  median {x['distance_median']:.3f}  p95 {x['distance_p95']:.3f}"
              f"  (min {x['distance_min']:.3f}, max {x['distance_max']:.3f})  similarity median {x['similarity_median']:.0f}")
    for thr, x in sim["by_threshold"].items():
        mark = "  <- recommended" if thr == RECOMMENDED_THRESHOLDS["similarity"] else ""
        print(f"  threshold {thr}: false accepts {x['false_accepts']}/{sim['different_pairs']} ({x['false_accept']:.2%}),"
              f" false rejects {x['false_reject']:.1%}{mark}")


if __name__ == "__main__":
    raise SystemExit(main())
