"""bench/lipsync_cache.py's ``judge`` on kept inputs, without video: a clip is accepted only when
its stored verdict is ok and the current lip check passes it; a clip that never reached the lip
check counts as a clip and is not passed."""
from __future__ import annotations

import numpy as np

from bench import lipsync_cache
from tests import mediagen

TIMINGS = [("4", 0.50, 0.95), ("8", 1.20, 1.60), ("2", 1.95, 2.35), ("1", 2.60, 3.10)]


def test_judge_counts_passes_and_acceptances_per_set():
    t = np.arange(60) / 15.0
    audio = np.random.default_rng(0).normal(0, 0.01, 64000).astype(np.float32)
    genuine = (t, mediagen.articulation(TIMINGS, t, seed=5) * 0.3 + 0.02, TIMINGS, audio, 16000, 1 / 15)
    still = (t, np.full(len(t), 0.02), TIMINGS, audio, 16000, 1 / 15)
    clips = [{"set": "genuine", "ok": True, "args": genuine}, {"set": "genuine", "ok": False, "args": genuine},
             {"set": "still_photo", "ok": True, "args": still}, {"set": "still_photo", "ok": False, "args": None}]
    res = lipsync_cache.judge_all(clips)
    assert res["genuine"] == [2, 1, 2]
    assert res["still_photo"] == [0, 0, 2]
    assert res["cpu_ms"] >= 0
