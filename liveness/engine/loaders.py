"""Lazy, process-wide model loading.

Every model ships inside an installed wheel (dlib's HOG detector is built into dlib; the
68-point shape predictor and the ResNet face descriptor come from ``face_recognition_models``;
the acoustic model from ``pocketsphinx``). Nothing is downloaded. Each is loaded on first use
and cached for the life of the process, so a Celery prefork child pays the ~1 s load once.

Thread safety: loading is guarded by a lock. The shape predictor is documented by dlib as
safe to share between threads and is shared. The HOG detector is not (see ``detector``), so
each thread builds its own. The ResNet descriptor network and the speech decoder keep mutable
state while they run, so callers hold :data:`DESCRIPTOR_LOCK` / :data:`ASR_LOCK` around their
use (see ``faces.descriptor`` and ``digits.recognise``).
"""
from __future__ import annotations

import os
import threading

_LOAD_LOCK = threading.Lock()
DESCRIPTOR_LOCK = threading.Lock()
ASR_LOCK = threading.Lock()
_cache: dict[str, object] = {}

DIGIT_DICT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.dict")


def _get(name: str, factory):
    obj = _cache.get(name)
    if obj is None:
        with _LOAD_LOCK:
            obj = _cache.get(name)
            if obj is None:
                obj = factory()
                _cache[name] = obj
    return obj


_local = threading.local()


def detector():
    """The HOG frontal face detector of the calling thread.

    dlib documents ``object_detector`` as unsafe for concurrent use of one instance (it keeps
    scratch buffers), and it is cheap to build (~10 ms, the model is compiled into dlib), so
    each thread gets its own. In a prefork worker that is one per process.
    """
    det = getattr(_local, "detector", None)
    if det is None:
        import dlib

        det = _local.detector = dlib.get_frontal_face_detector()
    return det


def shape_predictor():
    import dlib
    import face_recognition_models

    return _get("shape68", lambda: dlib.shape_predictor(face_recognition_models.pose_predictor_model_location()))


def face_encoder():
    import dlib
    import face_recognition_models

    return _get(
        "resnet",
        lambda: dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location()),
    )


def digit_decoder():
    """A pocketsphinx decoder with only the digit words in its dictionary and no language model.

    ``silprob`` 0.1 (default 0.005) makes pauses between digits cheap, which suits a code read
    digit by digit; ``topn`` 16 (default 4) scores more Gaussians per frame, measured +3 points
    of exact-utterance accuracy for ~10% more decoding time (bench/engine.py).

    ``beam``/``pbeam`` 1e-60 and ``wbeam`` 1e-40 (defaults 1e-48, 1e-48, 7e-29): with the default
    beams the grammar search pruned the right path for some utterances, and which ones depended
    on noise-level differences between audio codecs (the same clip as WebM/Opus, MP4/AAC and
    lossless AVI/PCM, identical to 0.998 correlation, gave e.g. "2044", "1444", "2044" for
    1444), so a container could fail a reading another passed. The wider beams remove those
    search errors (measured on 11 such utterances: 10 -> 17 of 33 right, the rest genuine
    acoustic confusions) for ~3x the decoding time (~0.35 -> ~1 s CPU for a 4-digit reading)."""

    def make():
        from pocketsphinx import Decoder

        return Decoder(lm=None, dict=DIGIT_DICT, loglevel="FATAL", silprob=0.1, topn=16,
                       beam=1e-60, pbeam=1e-60, wbeam=1e-40)

    return _get("sphinx", make)


def warm_up() -> None:
    """Load everything now (e.g. in a Celery ``worker_process_init`` handler)."""
    detector()
    shape_predictor()
    face_encoder()
    digit_decoder()
