"""Faces through a digit video: detection in a window around the last face, landmark tracking in
between, one :class:`FrameFace` per sampled frame, and the best frame (:func:`best_face`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import faces


@dataclass
class FrameFace:
    """A tracked face in one sampled frame. Its sharpness (an aligned chip and a Laplacian,
    ~0.7 ms) is measured on first use only: :func:`best_face` needs it for the few frames that
    can still be the best, not for all ~60 of a 4-s clip."""

    index: int
    time: float
    face: faces.Face
    opening: float
    yaw: float
    pitch: float
    image: np.ndarray = field(repr=False)
    _sharp: float | None = field(default=None, repr=False)

    @property
    def sharp(self) -> float:
        if self._sharp is None:
            self._sharp = faces.sharpness(faces.chip(self.image, self.face))
        return self._sharp

    def _score(self, sharp_term: float) -> float:
        return sharp_term - (abs(self.yaw) + abs(self.pitch)) / 60.0 - max(0.0, self.opening - 0.1) + min(self.face.size / 200.0, 1.0) * 0.3

    @property
    def quality(self) -> float:
        """Sharp, frontal, mouth closed-ish, large: what the best frame is chosen by."""
        return self._score(min(self.sharp / 150.0, 1.0))

    @property
    def quality_bound(self) -> float:
        """An upper bound of :attr:`quality` without measuring the sharpness (its term is at
        most 1; rounding is monotonic, so the bound holds exactly in floating point)."""
        return self._score(1.0)


def best_face(tracked: list[FrameFace]) -> FrameFace | None:
    """``max(tracked, key=quality)`` (the first of equals), measuring the sharpness only of the
    frames whose :attr:`FrameFace.quality_bound` can still beat the best found so far."""
    best = None
    for ff in sorted(tracked, key=lambda f: (-f.quality_bound, f.index)):
        if best is not None and ff.quality_bound < best.quality:
            break
        if best is None or ff.quality > best.quality or (ff.quality == best.quality and ff.index < best.index):
            best = ff
    return best


ROI_EVERY = 3      # window detection on every 3rd tracked frame, landmark tracking in between
ROI_FACE_PX = 110  # the tracking window is scaled so the face is about this big (HOG minimum: 80)


def _detect_roi(img: np.ndarray, prev: faces.Face) -> faces.Face | None:
    """Find the face again in a window around its previous position, scaled down so the face is
    ~110 px: 4-6 ms instead of ~25 ms for a full 480x640 frame."""
    from PIL import Image

    h, w = img.shape[:2]
    m = prev.size * 0.6
    x0, y0 = int(max(0, prev.left - m)), int(max(0, prev.top - m))
    x1, y1 = int(min(w, prev.right + m)), int(min(h, prev.bottom + m))
    roi = img[y0:y1, x0:x1]
    s = min(1.0, ROI_FACE_PX / max(prev.size, 1.0))
    if s < 1.0:
        roi = np.asarray(Image.fromarray(roi).resize((max(1, int(roi.shape[1] * s)), max(1, int(roi.shape[0] * s))), Image.BILINEAR))
    found = faces.detect(np.ascontiguousarray(roi), 0 if prev.size * s >= 85 else 1)
    if not found:
        return None
    f = max(found, key=lambda f: f.size)
    return faces.Face(int(f.left / s) + x0, int(f.top / s) + y0, int(f.right / s) + x0, int(f.bottom / s) + y0, f.score)


BOX_KEEP_SHIFT, BOX_KEEP_SCALE = 0.15, 0.15  # a detection this close to the followed box keeps that box


def _same_place(found: faces.Face, followed: faces.Face) -> bool:
    """Whether a detection is the followed face where it was followed to: centres within
    BOX_KEEP_SHIFT of the face size, sizes within BOX_KEEP_SCALE."""
    size = max(followed.size, 1.0)
    shift = math.hypot(found.center[0] - followed.center[0], found.center[1] - followed.center[1])
    return shift <= BOX_KEEP_SHIFT * size and abs(found.size / size - 1.0) <= BOX_KEEP_SCALE


def track_faces(frames: list, sample_fps: float) -> tuple[list[FrameFace], int, int]:
    """Face of each sampled frame (None where lost). Full-frame detection once a second
    ("keyframes", which also count faces) and whenever tracking is lost; otherwise, on every
    ``ROI_EVERY``-th frame, detection in a window around the previous face (~5x cheaper), and on
    the frames in between no detection at all: the landmarks are fitted in the previous face's
    box, which then follows the landmarks (the face moves a few pixels between frames; the next
    window detection notices a face that has gone). Returns (faces, keyframes, keyframes with
    two or more faces)."""
    out: list[FrameFace] = []
    prev = None
    key_every = max(1, int(round(sample_fps)))
    keyframes = multi = 0
    for i, (t, img) in enumerate(frames):
        face = None
        following = False
        if i % key_every == 0 or prev is None:
            found = faces.detect(img, 0)
            if not found and (i % key_every == 0):
                found = faces.detect(img, 1)
            if i % key_every == 0:
                keyframes += 1
                if len(faces.significant_faces(found)) > 1:
                    multi += 1
            if found:
                face = max(found, key=lambda f: f.size) if prev is None else min(
                    faces.significant_faces(found), key=lambda f: abs(f.center[0] - prev.center[0]) + abs(f.center[1] - prev.center[1])
                )
        elif i % ROI_EVERY and prev.points is not None:
            face = faces.Face(prev.left, prev.top, prev.right, prev.bottom, prev.score)
            following = True
        else:
            face = _detect_roi(img, prev)
            if face is None:
                found = faces.detect(img, 0)
                face = max(found, key=lambda f: f.size) if found else None
        if face is None:
            prev = None
            continue
        if not following and prev is not None and prev.points is not None and _same_place(face, prev):
            # the face found again where it was followed to: keep fitting the landmarks in the
            # followed box. Switching between detected and followed boxes every few frames made
            # the shape predictor's mouth jitter on soft faces (a genuine reading failed the lip
            # check; with the box kept it passes)
            face = faces.Face(prev.left, prev.top, prev.right, prev.bottom, face.score)
            following = True
        faces.landmarks(img, face)
        if following:  # the box follows the landmarks to where the face is now
            dx, dy = np.round(face.points.mean(axis=0) - prev.points.mean(axis=0)).astype(int)
            moved = face.shifted(int(dx), int(dy))
            moved.points, moved.shape = face.points, face.shape
            face = moved
        prev = face
        yaw, pitch, _ = faces.head_pose(face.points)
        out.append(FrameFace(i, t, face, faces.mouth_opening(face.points), yaw, pitch, img))
    return out, keyframes, multi
