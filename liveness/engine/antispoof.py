"""Learned passive liveness: two MiniFASNet models (Silent-Face-Anti-Spoofing weights,
Apache-2.0, see models/NOTICE) run with onnxruntime on crops around the face.

* ``minifasnet_v2_2.7.onnx``: the face box enlarged 2.7 times, resized to 80x80;
* ``minifasnet_v1se_4.0.onnx``: the box enlarged 4.0 times (more context: hands, paper or
  bezel edges), resized to 80x80.

Input convention (the publisher's): BGR, float 0-255, CHW, no normalisation; output 3 logits
whose softmax class 1 is "real face" (classes 0 and 2 are unnamed spoof classes). The two
models' softmax outputs are averaged, as the publisher does; :func:`real_probability` returns
that average's class 1.

The .onnx files were produced once by ``tools/convert_antispoof.py`` (torch is never imported
here). This module imports nothing from the rest of the package at import time, so that the
conversion script can load it by path for its cropping code.
"""
from __future__ import annotations

import os
import threading

import numpy as np

MODEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
MODELS: tuple[tuple[str, float], ...] = (
    ("minifasnet_v2_2.7.onnx", 2.7),
    ("minifasnet_v1se_4.0.onnx", 4.0),
)
INPUT_SIZE = 80

# dlib's HOG box (about brow-to-chin, square) is smaller than the RetinaFace boxes the models
# were trained around (forehead-to-chin, taller than wide). The box handed to the models is
# dlib's widened by BOX_W and heightened by BOX_H, its centre moved by BOX_DY of its height.
# Measured on the tuning split of tests/engine/attackset.py (30 bona fide, 50 print/screen
# attacks), the separation (AUC of P(real)) was 0.779 with dlib's box as is, 0.767 for
# 1.1/1.25/-0.08, 0.756 for 1.2/1.4/-0.12, 0.775 for 1.3/1.5/-0.15, 0.777 for 0.9/1.0/0: no
# RetinaFace-like enlargement helped (the 2.7x and 4x crops carry the context either way), so the
# box is used unchanged.
BOX_W, BOX_H, BOX_DY = 1.0, 1.0, 0.0

_lock = threading.Lock()
_sessions: list | None = None


def retina_like_box(left: float, top: float, right: float, bottom: float) -> tuple[float, float, float, float]:
    """(x, y, w, h) of a RetinaFace-like box derived from a dlib detector box."""
    w, h = right - left, bottom - top
    cx, cy = (left + right) / 2, (top + bottom) / 2 + BOX_DY * h
    nw, nh = w * BOX_W, h * BOX_H
    return cx - nw / 2, cy - nh / 2, nw, nh


def crop_box(src_w: int, src_h: int, box: tuple[float, float, float, float], scale: float) -> tuple[int, int, int, int]:
    """The publisher's crop rule: the (x, y, w, h) box enlarged ``scale`` times around its centre
    (less if the image is too small for it), shifted to stay inside the image. Returns inclusive
    (left, top, right, bottom) pixel indices."""
    x, y, bw, bh = box
    scale = min((src_h - 1) / bh, (src_w - 1) / bw, scale)
    nw, nh = bw * scale, bh * scale
    cx, cy = x + bw / 2, y + bh / 2
    left, t, r, b = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if left < 0:
        r -= left
        left = 0
    if t < 0:
        b -= t
        t = 0
    if r > src_w - 1:
        left -= r - src_w + 1
        r = src_w - 1
    if b > src_h - 1:
        t -= b - src_h + 1
        b = src_h - 1
    return int(left), int(t), int(r), int(b)


def _resize_bilinear(img: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize with half-pixel centres and no anti-aliasing (OpenCV's INTER_LINEAR,
    which the models were trained with: its texture is what they learned from)."""
    h, w = img.shape[:2]

    def axis(n_src: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = (np.arange(size) + 0.5) * (n_src / size) - 0.5
        pos = np.clip(pos, 0, n_src - 1)
        i0 = np.floor(pos).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_src - 1)
        return i0, i1, (pos - i0).astype(np.float32)

    y0, y1, fy = axis(h)
    x0, x1, fx = axis(w)
    a = img.astype(np.float32)
    top = a[y0][:, x0] * (1 - fx)[None, :, None] + a[y0][:, x1] * fx[None, :, None]
    bot = a[y1][:, x0] * (1 - fx)[None, :, None] + a[y1][:, x1] * fx[None, :, None]
    return top * (1 - fy)[:, None, None] + bot * fy[:, None, None]


def crop_for_model(rgb: np.ndarray, face_ltrb: tuple[float, float, float, float], scale: float,
                   *, retina_box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """The (3, 80, 80) float32 BGR 0-255 input for a model of crop ``scale``.

    ``face_ltrb`` is a (left, top, right, bottom) face box; ``retina_box`` (x, y, w, h), when
    given, is used instead of it."""
    h, w = rgb.shape[:2]
    if retina_box is None:
        left, t, r, b = face_ltrb
        retina_box = (left, t, r - left, b - t)
    left, t, r, b = crop_box(w, h, retina_box, scale)
    patch = _resize_bilinear(rgb[t:b + 1, left:r + 1], INPUT_SIZE)
    return np.ascontiguousarray(patch[..., ::-1].transpose(2, 0, 1))


def sessions() -> list:
    """The two onnxruntime sessions (loaded once per process, one intra-op thread each: the
    engine runs one analysis per core)."""
    global _sessions
    if _sessions is None:
        with _lock:
            if _sessions is None:
                import onnxruntime as ort

                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                _sessions = [
                    (ort.InferenceSession(os.path.join(MODEL_DIR, name), opts, providers=["CPUExecutionProvider"]), scale)
                    for name, scale in MODELS
                ]
    return _sessions


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def class_probabilities(rgb: np.ndarray, face_ltrb: tuple[float, float, float, float]) -> np.ndarray:
    """The two models' softmax outputs averaged: (P(spoof class 0), P(real), P(spoof class 2)).

    ``face_ltrb`` is dlib's detector box; it is turned into a RetinaFace-like box first."""
    box = retina_like_box(*face_ltrb)
    acc = np.zeros(3, np.float64)
    for sess, scale in sessions():
        x = crop_for_model(rgb, face_ltrb, scale, retina_box=box)[None]
        acc += _softmax(sess.run(None, {"input": x})[0][0].astype(np.float64))
    return acc / len(MODELS)


def real_probability(rgb: np.ndarray, face_ltrb: tuple[float, float, float, float]) -> float:
    """P(real face) 0..1 from both models (see :func:`class_probabilities`)."""
    return float(class_probabilities(rgb, face_ltrb)[1])
