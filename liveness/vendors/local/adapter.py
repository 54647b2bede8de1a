"""The embedded local engine as a provider: no account, no network, real analysis.

It is a heuristic engine (see docs/engine.md), good for demos, tests and the
vendor sandbox; production-grade anti-spoofing comes from the vendors.
"""
from __future__ import annotations

from typing import ClassVar

from celery.exceptions import SoftTimeLimitExceeded

from ... import engine
from ...engine import codes
from ...engine.selfie import SHARP_OK
from ..base import Media, Metric, ProviderError, ProviderResult, Score
from .clip import video_clip
from .spec import SPEC

#: What the reviewer reads when the engine's work is interrupted (internal code engine_time_limit).
TIME_LIMIT_MESSAGE = ("The local engine was stopped at the check's time limit before it finished analysing "
                      "this video; it was not retried, as the same video would take as long again.")


class LocalProvider:
    name: ClassVar[str] = SPEC.name
    vendor: ClassVar[str] = SPEC.family
    operations: ClassVar[frozenset[str]] = SPEC.operations
    #: the engine's digit recognisers (liveness.vendors.languages): English, Mandarin
    digit_languages: ClassVar[tuple[str, ...]] = ("en", "zh")

    def __init__(self, *, config: dict) -> None:
        config = SPEC.with_defaults(config)
        self.min_short_side = int(config["min_video_short_side"])
        self.min_long_side = int(config["min_video_long_side"])

    def challenge_digits(self) -> str:
        return engine.new_challenge_digits()

    def check_selfie(self, *, image: Media) -> ProviderResult:
        result = engine.analyse_selfie(image.content)
        provider_result = _to_result(result, metric=Metric.LIVENESS)
        if too_blurred(result):
            provider_result.error_code = codes.BLURRY
            provider_result.error_message = next((f for f in result.findings if f.startswith(codes.BLURRY)), codes.BLURRY)
        return provider_result

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "en") -> ProviderResult:
        """The engine's verdict on at most clip.MAX_VIDEO_SECONDS of ``video`` (the rest is cut
        before the engine sees it: its work is bounded). Interrupted by the task's soft time
        limit, the check ends, not retried, with internal ``engine_time_limit``."""
        clipped = video_clip(video.content)
        try:
            result = engine.analyse_digit_video(
                clipped.data, digits=digits, card=card.content if card else None, language=language,
                min_short_side=self.min_short_side, min_long_side=self.min_long_side,
            )
        except SoftTimeLimitExceeded:
            raise ProviderError(TIME_LIMIT_MESSAGE, vendor="internal", code="engine_time_limit",
                                transient=False) from None
        provider_result = _to_result(result, metric=Metric.LIVENESS)
        if clipped.cut_at_s is not None:
            provider_result.raw["video_cut_at_s"] = clipped.cut_at_s
            provider_result.findings.append(f"only the first {clipped.cut_at_s:g} s of the video were analysed")
        similarity = result.similarity
        if similarity is not None:
            if similarity.score is not None:
                provider_result.scores.append(Score(Metric.SIMILARITY, float(similarity.score), 100.0))
            provider_result.findings.extend(similarity.findings)
            provider_result.raw["similarity_metrics"] = dict(similarity.metrics)
            if similarity.code == codes.CARD_NO_FACE:  # the person is told beside the video's own problem
                provider_result.raw["card_code"] = similarity.code
            if not similarity.ok and not provider_result.error_code:
                provider_result.error_code = similarity.code
                provider_result.error_message = _first_finding(similarity)
        return provider_result


#: Codes of the engine's presentation-attack findings: a selfie that cost any of these is never called merely blurry.
ATTACK_CODES = frozenset({codes.SCREEN_REPLAY, codes.PRINT_ATTACK, codes.FRAME_BORDER})


def too_blurred(result: "engine.EngineResult") -> bool:
    """A selfie the engine scored with its face too blurred to judge: sharpness under the general
    limit (``engine.selfie.SHARP_OK``, 50), where the engine no longer consults its anti-spoofing model,
    and no presentation-attack finding. The check then fails with ``LOCAL_BLURRY`` (the person is told
    to retake it, docs/decisions.md), not on its score alone (which sends it to a reviewer)."""
    sharpness = result.metrics.get("sharpness")
    return (result.ok and sharpness is not None and sharpness < SHARP_OK
            and not any(code in ATTACK_CODES and points > 0 for code, points in result.penalties))


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
