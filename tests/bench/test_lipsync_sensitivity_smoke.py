"""bench/lipsync_sensitivity.py at a tiny size, so the benchmark cannot rot: the rule table it
prints must come from the lip check itself (a looser spread limit never accepts fewer readings, and
the limit is put back afterwards)."""
from __future__ import annotations

import math

from bench import lipsync_sensitivity
from liveness.engine import lipsync


def test_the_rule_table_is_monotone_in_the_limit_and_leaves_the_limit_as_it_was():
    before = lipsync.DIGIT_SPREAD_MAX
    narrow = lipsync_sensitivity.run((0.04, 0.12), [before, 0.3], n=4, noise=0.012, seed=3)
    wide = lipsync_sensitivity.run((-0.05, 0.25), [before, 0.3], n=4, noise=0.012, seed=3)

    assert lipsync.DIGIT_SPREAD_MAX == before
    for r in (narrow, wide):
        (g_strict, d_strict), (g_loose, d_loose) = r["accepted"][before], r["accepted"][0.3]
        assert g_strict <= g_loose <= 4 and d_strict <= d_loose <= 4
        assert math.isfinite(r["spread_median"]) and r["spread_p90"] >= r["spread_median"]
    assert narrow["accepted"][before][0] == 4, "the generator's own genuine readings pass (bench/engine.py)"
    assert wide["spread_median"] >= narrow["spread_median"], "a wider lead spreads the digits' lags"
