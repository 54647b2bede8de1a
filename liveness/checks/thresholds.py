"""Default thresholds per provider and metric, where each number comes from, and what it means.

Thresholds are on the vendor's own scale (0..100 for Tencent and the local
engine, 0..1 for SenseID). Where the seeds disagree, the default is one of them
and ``alternatives`` keeps the other, so the dashboard can show both sources.
An environment override (KYC_THRESHOLD_<PROVIDER>_<METRIC>) replaces the default.
"""
from __future__ import annotations

from django.conf import settings

from liveness.vendors.registry import THRESHOLD_DEFAULTS as DEFAULTS  # noqa: F401  (each vendor's spec holds its own)
from liveness.vendors.spec import ThresholdDefault


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
