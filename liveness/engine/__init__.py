"""The embedded local liveness engine (see docs/engine.md).

Public API::

    analyse_selfie(image) -> EngineResult
    analyse_digit_video(video, *, digits, card=None, min_short_side=270, min_long_side=480,
                        min_duration_s=2.0, similarity_threshold=None, language="en") -> EngineResult
    verify_digits(samples, expected, language="en") -> DigitCheck   # 16 kHz mono float audio
    DIGIT_LANGUAGES = ("en", "zh")
    compare_faces(probe, reference) -> EngineResult
    new_challenge_digits() -> str
    RECOMMENDED_THRESHOLDS = {"liveness": ..., "similarity": ...}

Models load lazily, once per process (``loaders``); ``warm_up()`` loads them eagerly.
"""
from . import codes
from .compare import DEFAULT_THRESHOLD as _SIMILARITY_THRESHOLD
from .compare import compare_faces, distance_to_similarity, similarity_to_distance
from .digits import LANGUAGES as DIGIT_LANGUAGES
from .digits import DigitCheck, new_challenge_digits
from .digits import verify as verify_digits
from .loaders import warm_up
from .results import EngineResult
from .selfie import analyse_selfie
from .video import analyse_digit_video

# Justified in docs/engine.md ("Thresholds"): liveness 70 = any single strong presentation-attack
# cue or unusable quality fails; similarity 75 = descriptor distance 0.55, a little stricter than
# dlib's published 0.6 operating point.
RECOMMENDED_THRESHOLDS: dict[str, float] = {"liveness": 70.0, "similarity": _SIMILARITY_THRESHOLD}

__all__ = [
    "EngineResult", "analyse_selfie", "analyse_digit_video", "compare_faces", "new_challenge_digits",
    "RECOMMENDED_THRESHOLDS", "codes", "distance_to_similarity", "similarity_to_distance", "warm_up",
    "DIGIT_LANGUAGES", "DigitCheck", "verify_digits",
]
