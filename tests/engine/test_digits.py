"""Spoken-digit recognition on espeak-ng speech."""
import random

import numpy as np
import pytest

from liveness.engine import digits as asr
from tests import mediagen


def _samples(wav: bytes) -> np.ndarray:
    x, sr = mediagen.wav_to_array(wav)
    return mediagen._resample(x, sr, asr.SAMPLE_RATE)


def test_recognises_digits_across_voices_and_speeds():
    rng = random.Random(7)
    voices = mediagen.GOOD_VOICES
    total = correct = 0
    for i in range(12):
        d = "".join(rng.choice("0123456789") for _ in range(4))
        heard, segs = asr.recognise(_samples(mediagen.speech_wav(d, voices[i % len(voices)], (120, 150, 180)[i % 3])), 4)
        total += 1
        correct += heard == d
        assert len(heard) == 4 and len(segs) == 4
    assert correct >= 11, f"{correct}/{total}"


def test_word_timings_follow_the_audio():
    x = _samples(mediagen.speech_wav("2580", "en-us+m2", 140))
    lead = np.zeros(asr.SAMPLE_RATE, np.float32)  # one second of silence first
    heard, segs = asr.recognise(np.concatenate([lead, x]), 4)
    assert heard == "2580"
    assert 0.8 < segs[0][1] < 1.6
    assert all(a[2] <= b[1] + 0.05 for a, b in zip(segs, segs[1:]))


def test_other_digits_are_not_the_challenge():
    heard, _ = asr.recognise(_samples(mediagen.speech_wav("1357")), 4)
    assert heard == "1357" and heard != "2468"


@pytest.mark.parametrize("n", [3, 6])
def test_other_lengths(n):
    d = "907142"[:n]
    heard, _ = asr.recognise(_samples(mediagen.speech_wav(d, "en-us+klatt")), n)
    assert heard == d
