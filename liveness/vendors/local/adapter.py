"""The embedded local engine as a provider: no account, no network, real analysis.

It is a heuristic engine (see docs/engine.md), good for demos, tests and the
vendor sandbox; production-grade anti-spoofing comes from the vendors.
"""
from __future__ import annotations

from typing import ClassVar

from ... import engine
from ...engine import codes
from ..base import Media, Metric, ProviderResult, Score
from .spec import SPEC


class LocalProvider:
    name: ClassVar[str] = SPEC.name
    vendor: ClassVar[str] = SPEC.family
    operations: ClassVar[frozenset[str]] = SPEC.operations

    def __init__(self, *, config: dict) -> None:
        config = SPEC.with_defaults(config)
        self.min_short_side = int(config["min_video_short_side"])
        self.min_long_side = int(config["min_video_long_side"])

    def challenge_digits(self) -> str:
        return engine.new_challenge_digits()

    def check_selfie(self, *, image: Media) -> ProviderResult:
        result = engine.analyse_selfie(image.content)
        return _to_result(result, metric=Metric.LIVENESS)

    def check_video(self, *, video: Media, digits: str, card: Media | None) -> ProviderResult:
        result = engine.analyse_digit_video(
            video.content, digits=digits, card=card.content if card else None,
            min_short_side=self.min_short_side, min_long_side=self.min_long_side,
        )
        provider_result = _to_result(result, metric=Metric.LIVENESS)
        similarity = result.similarity
        if similarity is not None:
            if similarity.score is not None:
                provider_result.scores.append(Score(Metric.SIMILARITY, float(similarity.score), 100.0))
            provider_result.findings.extend(similarity.findings)
            provider_result.raw["similarity_metrics"] = dict(similarity.metrics)
            if not similarity.ok and not provider_result.error_code:
                provider_result.error_code = similarity.code
                provider_result.error_message = _first_finding(similarity)
        return provider_result


def _first_finding(result: "engine.EngineResult") -> str:
    return result.findings[0] if result.findings else result.code


def _to_result(result: "engine.EngineResult", *, metric: str) -> ProviderResult:
    photos = {}
    if result.best_frame_jpeg:
        photos["best_frame"] = result.best_frame_jpeg
    if result.face_crop_jpeg:
        photos["face_crop"] = result.face_crop_jpeg
    return ProviderResult(
        vendor="local",
        scores=[Score(metric, float(result.score), 100.0)] if result.score is not None else [],
        error_code="" if result.ok or result.code == codes.OK else result.code,
        error_message="" if result.ok else _first_finding(result),
        findings=list(result.findings),
        photos=photos,
        raw={"code": result.code, "metrics": dict(result.metrics)},
        recognised_digits=result.recognised_digits,
    )
