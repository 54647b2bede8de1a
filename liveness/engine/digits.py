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
PAD_S = 0.25


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


def speech_span(x: np.ndarray, margin_before: float = 0.15, margin_after: float = 0.25) -> tuple[int, int]:
    """(start, end) sample indices of the speech in ``x``, by frame energy: 20 ms frames louder
    than both the noise floor + 15 dB and the loudest frame - 35 dB, widened by the margins.
    The whole signal when nothing stands out."""
    win = SAMPLE_RATE // 50
    n = len(x) // win
    if n < 3:
        return 0, len(x)
    db = 20 * np.log10(np.maximum(np.sqrt(np.mean(x[: n * win].reshape(n, win) ** 2, axis=1)), 1e-7))
    thr = max(float(np.percentile(db, 10)) + 15.0, float(db.max()) - 35.0)
    loud = np.nonzero(db > thr)[0]
    if loud.size == 0:
        return 0, len(x)
    start = max(0, int(loud[0] * win - margin_before * SAMPLE_RATE))
    end = min(len(x), int((loud[-1] + 1) * win + margin_after * SAMPLE_RATE))
    return start, end


def prepare(samples: np.ndarray) -> tuple[bytes, float]:
    """float mono 16 kHz -> (int16 bytes for the decoder, time offset of those bytes in s).

    The speech is cut out with :func:`speech_span` (long stretches of non-speech make the
    fixed-length grammar insert words into them), peak-normalised to -6 dBFS and padded with
    0.25 s of faint noise (-54 dBFS) on both sides: pocketsphinx's noise and silence models
    need a little non-speech and misbehave on exact digital zeros. Each choice was measured
    with bench/engine.py on synthetic speech (see docs/engine.md)."""
    x = np.asarray(samples, np.float32)
    a, b = speech_span(x)
    x = x[a:b]
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak > 0:
        x = x * (0.5 / peak)
    pad = np.zeros(int(PAD_S * SAMPLE_RATE), np.float32)
    x = np.concatenate([pad, x, pad])
    x = x + np.random.default_rng(0).normal(0, 0.002, x.size).astype(np.float32)
    return np.clip(x * 32767, -32768, 32767).astype(np.int16).tobytes(), a / SAMPLE_RATE - PAD_S


def recognise(samples: np.ndarray, n_digits: int) -> tuple[str, list[tuple[str, float, float]]]:
    """(recognised digits, [(word, start s, end s)]) from 16 kHz mono float samples.

    Times are relative to the start of ``samples``.
    """
    raw, offset = prepare(samples)
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
            (s.word, s.start_frame / frate + offset, (s.end_frame + 1) / frate + offset)
            for s in dec.seg()
            if s.word.split("(")[0] in WORDS
        ]
    text = hyp.hypstr if hyp is not None else ""
    digits = "".join(WORDS[w] for w in text.split() if w in WORDS)
    return digits, segs
