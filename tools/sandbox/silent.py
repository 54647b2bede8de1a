"""Silent liveness as the SenseID and FaceID ``SILENT`` emulators judge it, from the local engine.

A silent check neither listens nor reads lips, so the engine's audio and lip-sync verdicts
(:data:`NOT_APPLICABLE`) are set aside and the score is recomputed from its visual penalties. What
a silent check must still see is that the face is a face and not a picture of one: a photo or a
screen filmed with the phone moving (zoom, pan, tilt) moves as one plane, and nothing in the face
moves on its own. :func:`probe` runs the engine's own frame decoder and face tracker
(``liveness.engine.video.decode`` / ``track_faces``) and measures the face's own movement as the
engine measures lip movement: the 90th-10th percentile range of the inner-lip gap over the eye
distance, a ratio that a zoom or pan of a flat picture does not change. Below the engine's
``lipsync.LIP_RANGE_MIN`` the face did not move on its own (a presentation attack); between that and
``LIP_RANGE_OK`` the engine's own ramp lowers the score (:func:`verdict`). A still face is
therefore never scored above a face that moves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from liveness.engine import codes as engine_codes
from liveness.engine import lipsync
from liveness.engine import video as engine_video
from liveness.engine.imaging import encode_jpeg
from liveness.engine.results import ramp

from .scales import engine_liveness_threshold

#: engine verdicts about presentation attacks -> "hack"
HACK = frozenset({engine_codes.SCREEN_REPLAY, engine_codes.PRINT_ATTACK, engine_codes.FRAME_BORDER,
                  engine_codes.FACE_CHANGED})
#: engine verdicts a silent check does not make (it neither listens nor reads lips)
NOT_APPLICABLE = frozenset({engine_codes.WRONG_DIGITS, engine_codes.NO_SPEECH, engine_codes.NO_AUDIO,
                            engine_codes.AUDIO_TOO_QUIET, engine_codes.NO_LIP_MOVEMENT,
                            engine_codes.LIPS_OUT_OF_SYNC})
#: the penalty of a face that does not move on its own: the engine's for a mouth that never moves
STILL_FACE_PENALTY = engine_video.HARD_PENALTY + 5
#: the engine's ramp for little movement (points at lipsync.LIP_RANGE_MIN)
LITTLE_MOTION_PENALTY = 20.0
MIN_TRACKED_FRAMES = 8


class Unjudgeable(Exception):
    """The video cannot be judged (no single face, the face hidden most of the time)."""


@dataclass(frozen=True)
class Probe:
    """What the engine's tracker saw: the face's own movement and the frames by quality."""

    own_motion: float | None  # p90-p10 of mouth opening / eye distance; None: too few faces
    best_frames: list[bytes] = field(default_factory=list)  # JPEG, best first


def probe(video: bytes, *, keep_frames: int = 0) -> Probe:
    """Decode and track faces with the engine; ``keep_frames``: how many best frames to encode."""
    try:
        decoded = engine_video.decode(video)
    except engine_video.VideoDecodeError:
        return Probe(None)
    tracked, _keyframes, _multi = engine_video.track_faces(decoded.frames, engine_video.SAMPLE_FPS)
    motion = None
    if len(tracked) >= MIN_TRACKED_FRAMES:
        opening = np.array([ff.opening for ff in tracked], dtype=float)
        motion = float(np.percentile(opening, 90) - np.percentile(opening, 10))
    ranked = sorted(tracked, key=lambda ff: ff.quality, reverse=True)[:keep_frames]
    frames = [encode_jpeg(decoded.frames[ff.index][1]) for ff in ranked]
    return Probe(motion, frames)


def motion_penalty(own_motion: float | None) -> float:
    """Points a silent check takes off for a face that does not move on its own."""
    if own_motion is None:
        return 0.0  # too few tracked frames: the face checks (Unjudgeable) decide
    if own_motion < lipsync.LIP_RANGE_MIN:
        return STILL_FACE_PENALTY
    return ramp(own_motion, lipsync.LIP_RANGE_OK, lipsync.LIP_RANGE_MIN, LITTLE_MOTION_PENALTY)


def verdict(result: Any, own_motion: float | None) -> tuple[str, float]:
    """("ok" | "hack" | "short_time", liveness 0..100) of a digit-video analysis run with no
    digits, judging only what a silent check sees. Raises :class:`Unjudgeable`; a still or
    planar face (:func:`motion_penalty` at its maximum) is "hack"."""
    code = str(result.code)
    if code == engine_codes.VIDEO_TOO_SHORT:
        return "short_time", 0.0
    found = list(result.penalties)
    seen = {c for c, _ in found}
    metrics = result.metrics or {}
    no_single_face = {engine_codes.NO_FACE, engine_codes.MULTIPLE_FACES}
    if seen & no_single_face or code in no_single_face:
        raise Unjudgeable("no single face to judge in the video")
    if float(metrics.get("face_frames_ratio", 1.0)) < engine_video.FACE_RATIO_MIN:
        raise Unjudgeable("the face is not visible through most of the video")
    penalty = motion_penalty(own_motion)
    visual = max(0.0, 100.0 - sum(p for c, p in found if c not in NOT_APPLICABLE) - penalty)
    if float(metrics.get("identity_max_distance", 0.0)) > engine_video.SAME_PERSON_MAX:
        return "hack", visual
    if penalty >= STILL_FACE_PENALTY:
        return "hack", visual  # the face moved only as a flat picture moves
    if visual < engine_liveness_threshold():
        if seen & HACK:
            return "hack", visual
        raise Unjudgeable("the video does not show a live face clearly enough to judge")
    return "ok", visual
