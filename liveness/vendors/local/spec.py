"""The embedded local engine as a provider: the spec (no account, no network, no rate limit)."""
from __future__ import annotations

from ..base import Metric, Operation
from ..spec import EnvSetting, ThresholdDefault, VendorSpec
from .errors import ERRORS

SPEC = VendorSpec(
    name="local",
    family="local",
    provider_class="liveness.vendors.local.adapter.LocalProvider",
    operations=frozenset({Operation.SELFIE_LIVENESS, Operation.DIGIT_VIDEO}),
    errors=ERRORS,
    rate_limit="off",  # no vendor: the number of engine worker processes bounds it
    queue="engine",  # CPU-bound: a prefork worker, one process per core
    score_scale=100.0,
    thresholds={
        Metric.LIVENESS: ThresholdDefault(
            70.0, 100.0, "local engine: a single hard finding drops a live face below 70 (docs/engine.md; "
            "heuristic, not a certified presentation-attack detector)"),
        Metric.SIMILARITY: ThresholdDefault(
            75.0, 100.0, "local engine: 75 = descriptor distance 0.55; measured 1.7% false accepts on "
            "the faces available here (docs/engine.md)",
            alternatives=("70 = distance 0.6, dlib's published LFW operating point (6.1% false accepts here)",
                          "80: 0.35% false accepts here")),
    },
    settings=(
        EnvSetting("min_video_short_side", "LOCAL_MIN_VIDEO_SHORT_SIDE", 270, int),
        EnvSetting("min_video_long_side", "LOCAL_MIN_VIDEO_LONG_SIDE", 480, int),
    ),
)
