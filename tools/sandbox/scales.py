"""The engine's scores on each vendor's own documented scale (shared by every emulator).

The local engine scores liveness 0..100 with its verdict line at
``engine.RECOMMENDED_THRESHOLDS["liveness"]`` (70). Vendors publish other lines on their own
scales: DetectLiveFace (seed 001) and YouTu livedetectpicture (seed 002) recommend 87 on 0..100,
SenseID reports 0..1. :func:`vendor_score` maps the engine's score piecewise linearly so that the
engine's line lands exactly on the vendor's documented threshold (0 -> 0, engine line -> vendor
line, 100 -> the top of the vendor's scale): an emulated answer is then judged by the vendor's
threshold exactly as the engine would judge it, and a face the ``local`` provider passes also
passes the portal's threshold for that vendor.
"""
from __future__ import annotations

from liveness import engine


def engine_liveness_threshold() -> float:
    """The engine's own recommended liveness threshold (its verdict line, 0..100)."""
    return float(engine.RECOMMENDED_THRESHOLDS["liveness"])


def vendor_score(engine_score: float, *, vendor_threshold: float, vendor_top: float = 100.0,
                 engine_threshold: float | None = None) -> float:
    """``engine_score`` (0..100, clamped) on a vendor scale 0..``vendor_top`` whose documented
    threshold is ``vendor_threshold``: piecewise linear through (0, 0), (engine line, vendor
    threshold) and (100, vendor_top). Not rounded (each vendor rounds as it answers)."""
    t = engine_liveness_threshold() if engine_threshold is None else float(engine_threshold)
    s = max(0.0, min(100.0, float(engine_score)))
    if s >= t:
        return vendor_threshold + (s - t) * ((vendor_top - vendor_threshold) / max(1e-6, 100.0 - t))
    return s * vendor_threshold / max(1e-6, t)
