from liveness import engine
from liveness.checks.thresholds import DEFAULTS, threshold_default, threshold_meaning
from liveness.vendors.base import Metric


def test_local_defaults_follow_the_engines_calibration():
    assert DEFAULTS[("local", Metric.LIVENESS)].value == engine.RECOMMENDED_THRESHOLDS["liveness"]
    assert DEFAULTS[("local", Metric.SIMILARITY)].value == engine.RECOMMENDED_THRESHOLDS["similarity"]


def test_where_seeds_disagree_both_sources_are_kept():
    youtu = DEFAULTS[("youtu_legacy", Metric.LIVENESS)]
    assert youtu.value == 87 and "seed 002" in youtu.source
    assert any("seed 000" in alt and "90" in alt for alt in youtu.alternatives)


def test_an_environment_override_keeps_the_default_as_an_alternative(settings):
    settings.KYC_THRESHOLD_OVERRIDES = {("youtu_legacy", Metric.SIMILARITY): 75.0}
    chosen = threshold_default(provider="youtu_legacy", metric=Metric.SIMILARITY)
    assert chosen.value == 75.0 and "environment" in chosen.source
    assert any("default 80" in alt for alt in chosen.alternatives)


def test_threshold_meaning_reads_the_published_false_accept_rates():
    assert threshold_meaning(provider="youtu_legacy", metric=Metric.SIMILARITY, value=80) == "false-accept rate 1 in 10,000"
    assert threshold_meaning(provider="senseid", metric=Metric.SIMILARITY, value=0.75) == "false-accept rate at most 1 in 10,000"
    assert threshold_meaning(provider="local", metric=Metric.LIVENESS, value=70) == ""
