"""The result type every engine entry point returns, and the penalty bookkeeping behind scores."""
from __future__ import annotations

from dataclasses import dataclass, field

from . import codes


@dataclass
class EngineResult:
    """What one analysis found.

    ``ok`` is False for a hard failure and ``code`` then names it (a ``codes`` constant);
    ``code`` is ``codes.OK`` ("0") otherwise. ``score`` is 0..100 (liveness for selfie and
    video, similarity for a face comparison); it is ``None`` only when a hard failure stopped
    the analysis before anything could be scored. ``findings`` lists, in English and each
    prefixed by its code, every reason that lowered the score or failed the analysis.
    ``metrics`` holds the raw measurements a reviewer may want to see. ``penalties`` pairs each
    finding's code with the points it cost, for callers that re-weigh findings (the SenseID
    emulator judges a silent check by leaving out the audio findings). ``digit_timings`` (digit
    video only) lists ``(digit, start_s, end_s)`` for each challenge digit as aligned in the
    audio, in order, times in seconds from the start of the video; empty when no speech was
    analysed or the challenge could not be aligned at all.
    """

    ok: bool
    code: str
    score: float | None
    findings: list[str]
    metrics: dict[str, float]
    best_frame_jpeg: bytes | None = None
    face_crop_jpeg: bytes | None = None
    recognised_digits: str = ""
    similarity: "EngineResult | None" = None
    penalties: list[tuple[str, float]] = field(default_factory=list)
    digit_timings: list[tuple[str, float, float]] = field(default_factory=list)


def ramp(value: float, good: float, bad: float, max_penalty: float) -> float:
    """Linear penalty: 0 at ``good`` (and beyond it), ``max_penalty`` at ``bad`` (and beyond).

    Works in either direction (``bad`` may be below or above ``good``).
    """
    if good == bad:
        return max_penalty if value == bad else 0.0
    t = (value - good) / (bad - good)
    return float(max_penalty * min(1.0, max(0.0, t)))


class Scorer:
    """Collects findings and penalties; the score is 100 minus the penalties, clamped to 0..100.

    A *hard* finding also marks the result as failed; the first hard finding recorded (callers
    record them in priority order) becomes ``code``.
    """

    def __init__(self) -> None:
        self.findings: list[str] = []
        self.metrics: dict[str, float] = {}
        self.penalties: list[tuple[str, float]] = []
        self.penalty = 0.0
        self.hard_code: str | None = None

    def add(self, code: str, text: str, penalty: float = 0.0, *, hard: bool = False) -> None:
        penalty = max(0.0, float(penalty))
        suffix = f" (-{penalty:.0f})" if penalty >= 0.5 else ""
        self.findings.append(f"{code}: {text}{suffix}")
        self.penalties.append((code, penalty))
        self.penalty += penalty
        if hard and self.hard_code is None:
            self.hard_code = code

    def soft(self, code: str, text: str, penalty: float) -> None:
        """Record a soft finding only when it costs at least half a point."""
        if penalty >= 0.5:
            self.add(code, text, penalty)

    @property
    def score(self) -> float:
        return round(max(0.0, min(100.0, 100.0 - self.penalty)), 1)

    def result(self, *, scored: bool = True, **extra) -> EngineResult:
        ok = self.hard_code is None
        return EngineResult(
            ok=ok,
            code=codes.OK if ok else self.hard_code,
            score=self.score if scored else None,
            findings=list(self.findings),
            metrics={k: float(round(v, 4)) for k, v in self.metrics.items()},
            penalties=list(self.penalties),
            **extra,
        )


def failure(code: str, text: str, metrics: dict[str, float] | None = None, **extra) -> EngineResult:
    """A hard failure that prevented scoring."""
    return EngineResult(
        ok=False,
        code=code,
        score=None,
        findings=[f"{code}: {text}"],
        penalties=[(code, 0.0)],
        metrics={k: float(round(v, 4)) for k, v in (metrics or {}).items()},
        **extra,
    )
