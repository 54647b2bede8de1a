"""The embedded local liveness engine (see docs/engine.md).

Public API::

    analyse_selfie(image) -> EngineResult
    analyse_digit_video(video, *, digits, card=None, min_short_side=270, min_long_side=480,
                        min_duration_s=2.0) -> EngineResult
    compare_faces(probe, reference) -> EngineResult
    new_challenge_digits() -> str
    RECOMMENDED_THRESHOLDS = {"liveness": ..., "similarity": ...}

Models load lazily, once per process (``loaders``); ``warm_up()`` loads them eagerly.
"""
from . import codes
from .compare import compare_faces, distance_to_similarity, similarity_to_distance
from .digits import new_challenge_digits
from .loaders import warm_up
from .results import EngineResult
from .selfie import analyse_selfie
from .video import analyse_digit_video

RECOMMENDED_THRESHOLDS: dict[str, float] = {"liveness": 70.0, "similarity": 70.0}

__all__ = [
    "EngineResult", "analyse_selfie", "analyse_digit_video", "compare_faces", "new_challenge_digits",
    "RECOMMENDED_THRESHOLDS", "codes", "distance_to_similarity", "similarity_to_distance", "warm_up",
]
