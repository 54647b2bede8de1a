"""Face comparison: dlib's 128-d ResNet descriptors, Euclidean distance mapped to 0..100.

The mapping is piecewise linear through fixed anchor points chosen so that the thresholds
people already use on the vendors' 0..100 scales land on meaningful distances. dlib's
published operating point is distance 0.6 (99.38% accuracy on the LFW benchmark), which maps
to similarity 70; 0.55 maps to 75 and 0.5 to 80. See docs/engine.md for what each threshold
implies and what was measured here.
"""
from __future__ import annotations

import numpy as np

from . import codes, faces
from .imaging import DecodeError, decode_image, limit_size
from .results import EngineResult, failure

# (distance, similarity) anchors; between anchors the mapping is linear, beyond 1.2 it is 0.
ANCHORS = (
    (0.00, 100.0),
    (0.40, 85.0),
    (0.50, 80.0),
    (0.55, 75.0),
    (0.60, 70.0),
    (0.70, 55.0),
    (0.80, 40.0),
    (1.00, 15.0),
    (1.20, 0.0),
)
DLIB_OPERATING_DISTANCE = 0.6
DEFAULT_THRESHOLD = 75.0  # = RECOMMENDED_THRESHOLDS["similarity"]; see docs/engine.md


def distance_to_similarity(distance: float) -> float:
    xs, ys = zip(*ANCHORS)
    return float(round(np.interp(distance, xs, ys), 1))


def similarity_to_distance(similarity: float) -> float:
    xs, ys = zip(*ANCHORS)
    return float(np.interp(-similarity, [-y for y in ys], xs))


def _main_face(rgb: np.ndarray) -> faces.Face | None:
    found = faces.detect(rgb, 0)
    if not found:
        found = faces.detect(rgb, 1) if max(rgb.shape[:2]) <= 1400 else []
    if not found:
        return None
    return faces.landmarks(rgb, max(found, key=lambda f: f.size))


def reference_descriptor(reference: bytes) -> tuple[np.ndarray | None, EngineResult | None, float]:
    """(descriptor, failure, face size) of the reference (ID card) photo."""
    try:
        rgb, _ = decode_image(reference)
    except DecodeError as exc:
        return None, failure(codes.UNDECODABLE_IMAGE, f"reference photo: {exc}"), 0.0
    rgb, _ = limit_size(rgb, 1400)
    face = _main_face(rgb)
    if face is None:
        return None, failure(codes.CARD_NO_FACE, "no face found in the reference (ID card) photo"), 0.0
    return faces.descriptor(rgb, face), None, face.size


def judge(probe_desc: np.ndarray, ref_desc: np.ndarray, metrics: dict, threshold: float | None) -> EngineResult:
    threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    dist = float(np.linalg.norm(probe_desc - ref_desc))
    sim = distance_to_similarity(dist)
    metrics = dict(metrics, distance=dist, similarity=sim, threshold=threshold)
    metrics = {k: float(round(v, 4)) for k, v in metrics.items()}
    if sim < threshold:
        return EngineResult(
            ok=False,
            code=codes.DIFFERENT_PERSON,
            score=sim,
            findings=[
                f"{codes.DIFFERENT_PERSON}: similarity {sim:.1f} below {threshold:.0f} "
                f"(descriptor distance {dist:.3f} above {similarity_to_distance(threshold):.3f})"
            ],
            metrics=metrics,
            penalties=[(codes.DIFFERENT_PERSON, 0.0)],
        )
    return EngineResult(ok=True, code=codes.OK, score=sim, findings=[], metrics=metrics)


def compare_faces(probe: bytes, reference: bytes, *, threshold: float | None = None) -> EngineResult:
    """Similarity (0..100) of the largest face in ``probe`` to the one in ``reference``.

    ``ok`` is False with ``DIFFERENT_PERSON`` when the similarity is below ``threshold``
    (default :data:`DEFAULT_THRESHOLD`); ``score`` is set in that case too, so a caller can
    apply its own threshold. ``NO_FACE`` / ``CARD_NO_FACE`` when either photo has no face.
    """
    try:
        rgb, _ = decode_image(probe)
    except DecodeError as exc:
        return failure(codes.UNDECODABLE_IMAGE, str(exc))
    rgb, _ = limit_size(rgb, 1400)
    face = _main_face(rgb)
    if face is None:
        return failure(codes.NO_FACE, "no face found in the photo to compare")
    ref, fail, ref_px = reference_descriptor(reference)
    if fail is not None:
        return fail
    return judge(faces.descriptor(rgb, face), ref, {"probe_face_px": face.size, "reference_face_px": ref_px}, threshold)
