"""Spoken-digit recognition with pocketsphinx, restricted to a digit grammar.

The decoder has no language model and a ten-word dictionary (``digits.dict``: zero/oh, one ..
nine); a JSGF grammar allows exactly as many digits as the challenge has. Constraining the
length is what makes the small CMU acoustic model usable on short utterances: a person who
reads other digits still gets a (wrong) string of that length, so WRONG_DIGITS still fires.
"""
from __future__ import annotations

import secrets

import numpy as np

from . import loaders

WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_DIGIT_RULE = "( zero | oh | one | two | three | four | five | six | seven | eight | nine )"
_grammars: set[str] = set()
SAMPLE_RATE = 16000


def new_challenge_digits() -> str:
    """Four random digits (``secrets``), as YouTu ``livegetfour`` / FaceID ``GetLiveCode``."""
    return "".join(secrets.choice("0123456789") for _ in range(4))


def _grammar_name(n: int) -> str:
    return f"digits{n}" if 1 <= n <= 12 else "digitsN"


def _ensure_grammar(dec, n: int) -> str:
    name = _grammar_name(n)
    if name not in _grammars:
        body = " ".join(["<d>"] * n) if name != "digitsN" else "<d>+"
        dec.add_jsgf_string(name, f"#JSGF V1.0; grammar {name}; public <s> = {body} ; <d> = {_DIGIT_RULE} ;")
        _grammars.add(name)
    return name


def prepare(samples: np.ndarray) -> bytes:
    """float mono 16 kHz -> int16 bytes for the decoder: peak-normalised to -3 dBFS, 0.3 s of
    faint noise on both sides (pocketsphinx's noise and silence models need some non-speech and
    misbehave on exact digital zeros)."""
    x = np.asarray(samples, np.float32)
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak > 0:
        x = x * (0.7 / peak)
    pad = np.zeros(int(0.3 * SAMPLE_RATE), np.float32)
    x = np.concatenate([pad, x, pad])
    x = x + np.random.default_rng(0).normal(0, 0.0006, x.size).astype(np.float32)
    return np.clip(x * 32767, -32768, 32767).astype(np.int16).tobytes()


def recognise(samples: np.ndarray, n_digits: int) -> tuple[str, list[tuple[str, float, float]]]:
    """(recognised digits, [(word, start s, end s)]) from 16 kHz mono float samples.

    Times are relative to the start of ``samples``.
    """
    raw = prepare(samples)
    dec = loaders.digit_decoder()
    with loaders.ASR_LOCK:
        name = _ensure_grammar(dec, n_digits)
        dec.activate_search(name)
        dec.start_utt()
        dec.process_raw(raw, full_utt=True)
        dec.end_utt()
        hyp = dec.hyp()
        frate = 100.0  # pocketsphinx frames per second
        segs = [
            (s.word, s.start_frame / frate - 0.3, (s.end_frame + 1) / frate - 0.3)
            for s in dec.seg()
            if s.word.split("(")[0] in WORDS
        ]
    text = hyp.hypstr if hyp is not None else ""
    digits = "".join(WORDS[w] for w in text.split() if w in WORDS)
    return digits, segs
