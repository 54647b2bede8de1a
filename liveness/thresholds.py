"""Default thresholds per provider and metric, where each number comes from, and what it means.

Thresholds are on the vendor's own scale (0..100 for Tencent and the local
engine, 0..1 for SenseID). Where the seeds disagree, the default is one of them
and ``alternatives`` keeps the other, so the dashboard can show both sources.
An environment override (KYC_THRESHOLD_<PROVIDER>_<METRIC>) replaces the default.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .vendors.base import Metric

# Tencent's similarity scale (seed 004): threshold → false-accept rate.
TENCENT_SIMILARITY_FAR = {70.0: "1 in 1,000", 80.0: "1 in 10,000"}
# SenseID verification_score (seed 003): threshold → error rate.
SENSEID_SIMILARITY_FAR = {
    0.4: "1 in 10", 0.5: "1 in 100", 0.6: "1 in 1,000", 0.7: "1 in 10,000", 0.8: "1 in 100,000",
    0.9: "1 in 1,000,000",
}


@dataclass(frozen=True)
class ThresholdDefault:
    value: float
    scale: float
    source: str
    alternatives: tuple[str, ...] = ()
    far_table: dict[float, str] = field(default_factory=dict)


DEFAULTS: dict[tuple[str, str], ThresholdDefault] = {
    ("local", Metric.LIVENESS): ThresholdDefault(
        70.0, 100.0, "local engine: a single hard finding drops a live face below 70 (docs/engine.md; "
        "heuristic, not a certified presentation-attack detector)"),
    ("local", Metric.SIMILARITY): ThresholdDefault(
        75.0, 100.0, "local engine: 75 = descriptor distance 0.55; measured 1.7% false accepts on "
        "the faces available here (docs/engine.md)",
        alternatives=("70 = distance 0.6, dlib's published LFW operating point (6.1% false accepts here)",
                      "80: 0.35% false accepts here")),
    ("youtu_legacy", Metric.LIVENESS): ThresholdDefault(
        87.0, 100.0, "seed 002 recommends 87 (scores usually 80..100)",
        alternatives=("seed 000 recommends 90",)),
    ("youtu_legacy", Metric.SIMILARITY): ThresholdDefault(
        80.0, 100.0, "seed 004: 80 gives a false-accept rate of 1/10,000",
        alternatives=("seed 004: 70 gives 1/1,000", "seed 004's example uses 75"),
        far_table=TENCENT_SIMILARITY_FAR),
    ("tencent_iai", Metric.LIVENESS): ThresholdDefault(
        87.0, 100.0, "seed 001 recommends 87 for FaceModelVersion 2.0"),
    ("tencent_faceid", Metric.SIMILARITY): ThresholdDefault(
        80.0, 100.0, "Tencent similarity scale as in seed 004: 80 gives 1/10,000",
        alternatives=("70 gives 1/1,000",), far_table=TENCENT_SIMILARITY_FAR),
    ("senseid", Metric.SIMILARITY): ThresholdDefault(
        0.7, 1.0, "seed 003 recommends > 0.7 (error rate 1/10,000)", far_table=SENSEID_SIMILARITY_FAR),
}


def threshold_default(*, provider: str, metric: str) -> ThresholdDefault | None:
    """The starting threshold for a provider metric, with an environment override applied."""
    default = DEFAULTS.get((provider, metric))
    override = settings.KYC_THRESHOLD_OVERRIDES.get((provider, metric))
    if override is None:
        return default
    scale = default.scale if default else 100.0
    source = f"environment KYC_THRESHOLD_{provider.upper()}_{metric.upper()}"
    alternatives = (f"default {default.value:g}: {default.source}",) + default.alternatives if default else ()
    return ThresholdDefault(override, scale, source, alternatives, default.far_table if default else {})


def threshold_meaning(*, provider: str, metric: str, value: float) -> str:
    """What a threshold value implies, in words, where the vendor published a rate."""
    default = DEFAULTS.get((provider, metric))
    if not default or not default.far_table:
        return ""
    exact = default.far_table.get(value)
    if exact:
        return f"false-accept rate {exact}"
    below = [t for t in default.far_table if t <= value]
    if below:
        return f"false-accept rate at most {default.far_table[max(below)]}"
    return f"looser than {min(default.far_table):g} (false-accept rate above {default.far_table[min(default.far_table)]})"
