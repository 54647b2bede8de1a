"""Judging a provider's answer: every score against the current threshold policy of its metric."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from liveness.vendors.base import ProviderResult
from liveness.vendors.base import Score as ProviderScore
from .models import ThresholdPolicy
from .thresholds import threshold_default


@dataclass(frozen=True)
class JudgedScore:
    score: ProviderScore
    policy: ThresholdPolicy | None
    passed: bool | None  # None: informational, no threshold for this metric


@dataclass(frozen=True)
class Judgement:
    passed: bool
    scores: list[JudgedScore]


def result_judge(*, provider: str, result: ProviderResult) -> Judgement:
    """A provider answer passes when the vendor raised no error and every judged score meets its threshold."""
    scores = []
    for score in result.scores:
        policy = threshold_policy_current(provider=provider, metric=score.metric)
        scores.append(JudgedScore(score, policy, None if policy is None else score.value >= policy.value))
    passed = not result.error_code and all(item.passed is not False for item in scores)
    return Judgement(passed=passed, scores=scores)


def threshold_policy_current(*, provider: str, metric: str) -> ThresholdPolicy | None:
    """The newest policy version; version 1 is created from the defaults on first use."""
    policy = ThresholdPolicy.objects.filter(provider=provider, metric=metric).order_by("-version").first()
    if policy is not None:
        return policy
    default = threshold_default(provider=provider, metric=metric)
    if default is None:
        return None
    try:
        with transaction.atomic():
            return ThresholdPolicy.objects.create(
                provider=provider, metric=metric, version=1, value=default.value, scale=default.scale,
                reason=f"default: {default.source}")
    except IntegrityError:  # another worker seeded it first
        return ThresholdPolicy.objects.get(provider=provider, metric=metric, version=1)


