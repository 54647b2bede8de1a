"""Face detection, 68-point landmarks, head pose, per-face quality and 128-d descriptors (dlib)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from . import loaders
from .imaging import to_gray

# Detections scoring below this (dlib HOG SVM margin) are ignored. dlib's own default is 0.0;
# 0.3 drops the weak false positives seen on textured backgrounds (e.g. the astronaut's badge at
# upsample=1 scores 0.12) while real faces usually score above 0.8.
MIN_DETECTION_SCORE = 0.3


@dataclass
class Face:
    left: int
    top: int
    right: int
    bottom: int
    score: float
    shape: object | None = None  # dlib.full_object_detection (68 points)
    points: np.ndarray | None = None  # (68, 2) float, image coordinates

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def size(self) -> float:
        """Face size in pixels: the detector box side (about ear-to-ear width)."""
        return float(max(self.width, self.height))

    @property
    def center(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def rect(self):
        import dlib

        return dlib.rectangle(int(self.left), int(self.top), int(self.right), int(self.bottom))

    def shifted(self, dx: int, dy: int, scale: float = 1.0) -> "Face":
        return Face(
            int(round(self.left * scale + dx)), int(round(self.top * scale + dy)),
            int(round(self.right * scale + dx)), int(round(self.bottom * scale + dy)), self.score,
        )


def detect(rgb: np.ndarray, upsample: int = 0, min_score: float = MIN_DETECTION_SCORE) -> list[Face]:
    """All faces found by the HOG detector, strongest first."""
    rects, scores, _ = loaders.detector().run(rgb, upsample, min(min_score, 0.0))
    faces = [
        Face(max(0, r.left()), max(0, r.top()), min(rgb.shape[1], r.right()), min(rgb.shape[0], r.bottom()), float(s))
        for r, s in zip(rects, scores)
        if s >= min_score
    ]
    faces.sort(key=lambda f: (f.score * 0.5 + f.size / 100.0), reverse=True)
    return faces


def significant_faces(faces: list[Face], rel_size: float = 0.5) -> list[Face]:
    """The main (largest) face and any other face at least ``rel_size`` of its size."""
    if not faces:
        return []
    main = max(faces, key=lambda f: f.size)
    return [main] + [f for f in faces if f is not main and f.size >= rel_size * main.size]


def landmarks(rgb: np.ndarray, face: Face) -> Face:
    shape = loaders.shape_predictor()(rgb, face.rect())
    face.shape = shape
    face.points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    return face


# Generic 3-D face (arbitrary units; x right, y up, z towards the camera), the six-point model
# commonly used for head-pose estimation: nose tip, chin, outer eye corners, mouth corners.
_MODEL_IDX = [30, 8, 36, 45, 48, 54]
_MODEL_3D = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, -330.0, -65.0),
        (-225.0, 170.0, -135.0),
        (225.0, 170.0, -135.0),
        (-150.0, -150.0, -125.0),
        (150.0, -150.0, -125.0),
    ]
)


def head_pose(points: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from 68 landmarks, by a weak-perspective (scaled
    orthographic) fit of a generic 3-D face. Accuracy is a few degrees near frontal, worse
    beyond ~30 degrees; good enough to reject turned or tilted heads."""
    img = points[_MODEL_IDX].copy()
    img[:, 1] = -img[:, 1]  # image y grows downwards, model y upwards
    x = (img - img.mean(axis=0)).T  # 2xN
    X = (_MODEL_3D - _MODEL_3D.mean(axis=0)).T  # 3xN
    A = x @ X.T @ np.linalg.inv(X @ X.T)  # 2x3 affine camera
    r1 = A[0] / np.linalg.norm(A[0])
    r2 = A[1] - r1 * (r1 @ A[1])
    r2 /= np.linalg.norm(r2)
    R = np.vstack([r1, r2, np.cross(r1, r2)])
    u, _, vt = np.linalg.svd(R)
    R = u @ vt
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -R[2, 0]))))
    pitch = math.degrees(math.atan2(R[2, 1], R[2, 2]))
    roll = math.degrees(math.atan2(R[1, 0], R[0, 0]))
    return yaw, pitch, roll


def eye_distance(points: np.ndarray) -> float:
    left = points[36:42].mean(axis=0)
    right = points[42:48].mean(axis=0)
    return float(np.linalg.norm(right - left))


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap (mean of the three vertical inner-lip distances) over the eye distance."""
    gap = np.mean([np.linalg.norm(points[a] - points[b]) for a, b in ((61, 67), (62, 66), (63, 65))])
    return float(gap / max(eye_distance(points), 1e-6))


CHIP_SIZE = 150


def chip(rgb: np.ndarray, face: Face) -> np.ndarray:
    """The face aligned, rotated upright and scaled to 150x150 (dlib's canonical chip), so that
    texture measures do not depend on how large the face was in the picture."""
    import dlib

    return np.asarray(dlib.get_face_chip(rgb, face.shape, size=CHIP_SIZE, padding=0.25))


def _inner(chip_rgb: np.ndarray) -> np.ndarray:
    n = chip_rgb.shape[0]
    return chip_rgb[int(n * 0.25): int(n * 0.85), int(n * 0.2): int(n * 0.8)]


SHARPNESS_REF_STD = 40.0


def sharpness(chip_rgb: np.ndarray) -> float:
    """Variance of the Laplacian of the inner face (eyes, nose, mouth) on the canonical chip,
    contrast-normalised: the chip's grey levels are rescaled to a standard deviation of 40 first,
    so that a dark or flat-lit face is not also reported as blurry (exposure is judged apart)."""
    g = to_gray(_inner(chip_rgb).astype(np.float32))
    std = float(g.std())
    lap = float(ndimage.laplace(g).var())
    return lap * (SHARPNESS_REF_STD / max(std, 4.0)) ** 2


def exposure(chip_rgb: np.ndarray) -> tuple[float, float, float]:
    """(mean brightness 0..255, fraction of clipped-dark pixels, fraction of clipped-bright pixels)
    over the inner face."""
    g = to_gray(_inner(chip_rgb).astype(np.float32))
    return float(g.mean()), float((g <= 8).mean()), float((g >= 247).mean())


def descriptor(rgb: np.ndarray, face: Face) -> np.ndarray:
    """128-d dlib ResNet face descriptor (needs landmarks)."""
    import dlib

    c = dlib.get_face_chip(rgb, face.shape, size=150, padding=0.25)
    enc = loaders.face_encoder()
    with loaders.DESCRIPTOR_LOCK:
        v = enc.compute_face_descriptor(c)
    return np.array(v, dtype=np.float64)


def crop(rgb: np.ndarray, face: Face, margin: float = 0.45) -> np.ndarray:
    """The face box widened by ``margin`` of its size on every side, clipped to the image."""
    m = face.size * margin
    h, w = rgb.shape[:2]
    top = int(max(0, face.top - m * 1.2))
    bottom = int(min(h, face.bottom + m * 0.8))
    left = int(max(0, face.left - m))
    right = int(min(w, face.right + m))
    return np.ascontiguousarray(rgb[top:bottom, left:right])
