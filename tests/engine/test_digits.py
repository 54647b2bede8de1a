"""Spoken-digit challenge verification (``digits.verify``) on espeak-ng speech, English and
Mandarin: right readings accepted, one digit off refused, no speech named as such, timings
that follow the audio, the same verdict whatever container carried the audio."""
import functools

import numpy as np
import pytest

from liveness.engine import analyse_digit_video, codes, video
from liveness.engine import digits as asr
from tests import mediagen


@functools.lru_cache(maxsize=None)
def reading(digits: str, language: str = "en", voice: str | None = None, speed: int = 150,
            lead: float = 0.5) -> np.ndarray:
    """16 kHz samples: ``lead`` s of faint room noise, the reading, 0.5 s of room noise."""
    x, sr = mediagen.wav_to_array(mediagen.digit_speech_wav(digits, language=language, voice=voice, speed=speed))
    x = mediagen._resample(x, sr, asr.SAMPLE_RATE)
    x = x / max(1e-6, float(np.abs(x).max())) * 0.5
    x = np.concatenate([np.zeros(int(lead * asr.SAMPLE_RATE), np.float32), x, np.zeros(asr.SAMPLE_RATE // 2, np.float32)])
    return x + np.random.default_rng(5).normal(0, 0.001, len(x)).astype(np.float32)


EN_RIGHT = [("4821", "en-us+m1", 150), ("3906", "en-us+f2", 120), ("7315", "en-us+klatt3", 180),
            ("6042", "en-us", 150), ("5187", "en+f3", 140)]
ZH_RIGHT = [("4821", "cmn-latn-pinyin", 120), ("3906", "cmn-latn-pinyin+f2", 140),
            ("7315", "cmn-latn-pinyin+m3", 160)]


@pytest.mark.parametrize("digits,voice,speed", EN_RIGHT)
def test_english_right_digits_accepted(digits, voice, speed):
    c = asr.verify(reading(digits, "en", voice, speed), digits, "en")
    assert c.accepted and not c.no_speech, (c.heard, c.llr)


@pytest.mark.parametrize("digits,voice,speed", ZH_RIGHT)
def test_mandarin_right_digits_accepted(digits, voice, speed):
    c = asr.verify(reading(digits, "zh", voice, speed), digits, "zh")
    assert c.accepted and not c.no_speech, (c.heard, c.llr)


# one digit off: each position, near and far substitutions (5/9 share "-ai-n", 3/8 end alike)
EN_ONE_OFF = [("4821", "4829", "en-us+m1"), ("4821", "4851", "en-us+f2"), ("3906", "8906", "en-us+klatt3"),
              ("3906", "3916", "en-us"), ("7315", "7319", "en+f3"), ("5187", "5787", "en-us+m2")]
# (known failure, docs/engine.md: "1315" read by cmn-latn-pinyin+m3 for "7315" is accepted, yi
# and qi being close for Whisper base; this list has no such pair)
ZH_ONE_OFF = [("4821", "4827", "cmn-latn-pinyin"), ("3906", "3966", "cmn-latn-pinyin+f2"),
              ("7315", "7345", "cmn-latn-pinyin+m3"), ("2648", "2658", "cmn-latn-pinyin")]


@pytest.mark.parametrize("expected,spoken,voice", EN_ONE_OFF)
def test_english_one_digit_off_refused(expected, spoken, voice):
    c = asr.verify(reading(spoken, "en", voice), expected, "en")
    assert not c.accepted and not c.no_speech, (c.heard, c.llr)


@pytest.mark.parametrize("expected,spoken,voice", ZH_ONE_OFF)
def test_mandarin_one_digit_off_refused(expected, spoken, voice):
    c = asr.verify(reading(spoken, "zh", voice), expected, "zh")
    assert not c.accepted, (c.heard, c.llr)


def test_a_reading_in_the_other_language_is_judged_on_its_digits():
    # Whisper hears digits in either language: the right digits read in Mandarin fail an English
    # challenge only if misheard; wrong ones are refused. (Known failure, docs/engine.md: English
    # "4829" passes a Mandarin "4821" challenge, margin -0.59, no free-transcription veto in zh.)
    assert asr.verify(reading("4821", "en"), "4821", "zh").accepted
    assert not asr.verify(reading("4829", "zh", "cmn-latn-pinyin"), "4821", "en").accepted


def _noisy(x: np.ndarray, kind: str, snr: float, seed: int = 3) -> np.ndarray:
    n = mediagen.pink_noise(len(x), seed) if kind == "pink" else mediagen.babble(len(x) / asr.SAMPLE_RATE + 1, asr.SAMPLE_RATE, 5, seed)[: len(x)]
    return mediagen.add_noise(x, n, snr)


# noise and the telephone band: what the pocketsphinx-only check failed on (issue 16)
NOISY = [("7048", "en", "en-us+f5", "babble", 20.0, False), ("2989", "en", "en-us+m1", "pink", 10.0, True),
         ("5821", "en", "en-us+m2", "pink", 20.0, True), ("9079", "zh", "cmn-latn-pinyin+f4", "babble", 20.0, False),
         ("4788", "zh", "cmn-latn-pinyin", "pink", 20.0, True)]


@pytest.mark.parametrize("digits,language,voice,kind,snr,band8k", NOISY)
def test_right_digits_accepted_in_noise(digits, language, voice, kind, snr, band8k):
    x = reading(digits, language, voice, 140)
    if band8k:
        x = mediagen.telephone_band(x, asr.SAMPLE_RATE)
    c = asr.verify(_noisy(x, kind, snr), digits, language)
    assert c.accepted, (c.heard, c.margins)
    one_off = digits[:2] + ("3" if digits[2] != "3" else "6") + digits[3]
    c = asr.verify(_noisy(x, kind, snr), one_off, language)
    assert not c.accepted, (c.heard, c.margins)


def _real_reading(digits: str, speaker: str, take: int) -> np.ndarray:
    parts = [np.zeros(asr.SAMPLE_RATE // 2, np.float32)]
    for d in digits:
        w = mediagen.real_digit(d, speaker, take, asr.SAMPLE_RATE)
        parts += [w / max(1e-6, float(np.abs(w).max())) * 0.5, np.zeros(asr.SAMPLE_RATE // 4, np.float32)]
    x = np.concatenate(parts + [np.zeros(asr.SAMPLE_RATE // 4, np.float32)])
    return x + np.random.default_rng(1).normal(0, 0.001, len(x)).astype(np.float32)


@pytest.mark.parametrize("speaker,take", [("theo", 3), ("jackson", 7)])
def test_real_speaker_8khz(speaker, take):
    x = _real_reading("3952", speaker, take)
    assert asr.verify(x, "3952").accepted
    assert not asr.verify(x, "3958").accepted
    assert not asr.verify(_real_reading("395", speaker, take), "3952").accepted


def test_real_speaker_repeated_digits_heard_through_two_views():
    # jackson's "5559" (take 7): the tight cut's free transcription wrote only "9", which alone
    # refused this right reading before the two-view check; the wide cut's transcription and the
    # averaged margins (all >= 0.4) accept it. A digit off and a repeated 5 left out are refused.
    x = _real_reading("5559", "jackson", 7)
    c = asr.verify(x, "5559")
    assert c.accepted and min(c.margins) > 0, c.margins
    for wrong in ("5539", "2559", "5552"):
        c = asr.verify(x, wrong)
        assert not c.accepted and c.llr < -5, (wrong, c.margins)
    assert not asr.verify(_real_reading("559", "jackson", 7), "5559").accepted


@pytest.mark.parametrize("voice", ["en-us+m2", "en-us+f2"])
def test_repeated_digit_left_out_refused(voice):
    # every per-position margin of "248" read for "2488" is positive (the model repeats the 8):
    # the free transcription's digit count refuses it
    c = asr.verify(reading("248", "en", voice), "2488")
    assert not c.accepted and c.heard == "248", (c.heard, c.margins)



def test_missing_digit_refused():
    assert not asr.verify(reading("821"), "4821").accepted


@pytest.mark.parametrize("kind", ["pink", "white", "silence", "hum"])
def test_no_speech_is_reported_not_raised(kind):
    n = 3 * asr.SAMPLE_RATE
    t = np.arange(n) / asr.SAMPLE_RATE
    x = {
        "pink": mediagen.pink_noise(n, 1) * 0.05,
        "white": np.random.default_rng(2).normal(0, 0.05, n).astype(np.float32),
        "silence": np.zeros(n, np.float32),
        "hum": (0.1 * np.sin(2 * np.pi * 50 * t)).astype(np.float32),
    }[kind]
    c = asr.verify(x, "4821")
    assert c.no_speech and not c.accepted and c.timings == []


@pytest.mark.parametrize("x", [np.zeros(10, np.float32), np.ones(8000, np.float32), np.array([], np.float32)])
def test_odd_audio_never_raises(x):
    c = asr.verify(x, "4821")
    assert not c.accepted


def test_noise_only_video_gives_the_no_speech_code():
    r = analyse_digit_video(mediagen.digit_video("4821", noise_only=True, size=(270, 480)), digits="4821")
    assert not r.ok and r.code == codes.NO_SPEECH, r.findings
    assert r.digit_timings == [] and r.score is not None and r.score < 70


def test_timings_are_monotonic_and_within_the_speech():
    lead = 1.2
    x = reading("2580", "en", "en-us+m2", 140, lead=lead)
    c = asr.verify(x, "2580")
    assert c.accepted and [d for d, _, _ in c.timings] == list("2580")
    speech = mediagen.wav_to_array(mediagen.digit_speech_wav("2580", voice="en-us+m2", speed=140))
    speech_end = lead + len(speech[0]) / speech[1]
    for _digit, a, b in c.timings:
        assert a < b and b - a < 1.0
    assert all(p[2] <= q[1] + 1e-6 for p, q in zip(c.timings, c.timings[1:]))
    assert lead - 0.15 <= c.timings[0][1] < lead + 0.4
    assert speech_end - 0.6 < c.timings[-1][2] <= speech_end + 0.15


def test_mandarin_timings_follow_the_digits():
    c = asr.verify(reading("9031", "zh", "cmn-latn-pinyin", 120, lead=0.8), "9031", "zh")
    assert c.accepted and [d for d, _, _ in c.timings] == list("9031")
    assert all(a < b for _, a, b in c.timings) and c.timings[0][1] > 0.6


def test_video_result_carries_timings_in_video_time():
    r = analyse_digit_video(mediagen.digit_video("4821", lead_in=1.0, size=(270, 480)), digits="4821")
    assert r.ok and r.recognised_digits == "4821", r.findings
    assert [d for d, _, _ in r.digit_timings] == list("4821")
    assert 0.85 < r.digit_timings[0][1] < 1.4 and r.metrics["speech_start_s"] == r.digit_timings[0][1]


def test_language_is_checked():
    with pytest.raises(ValueError):
        asr.verify(reading("4821"), "4821", "fr")
    with pytest.raises(ValueError):
        analyse_digit_video(b"x", digits="4821", language="fr")


PARITY = [  # (spoken, expected, language, voice, noise)
    ("4821", "4821", "en", "en-us+f2", None),
    ("1444", "1444", "en", "en-us+Denis", "pink20"),
    ("3906", "3916", "en", "en-us+m1", None),
    # (a reading near the threshold can flip between codecs; this one scores -0.99 in WAV,
    # -1.14 in WebM, -1.81 in MP4 against -2.0 with the two views; docs/engine.md)
    ("7315", "7315", "zh", "cmn-latn-pinyin+m3", None),
]


@pytest.mark.parametrize("spoken,expected,language,voice,noise", PARITY)
def test_same_verdict_in_wav_webm_and_mp4(spoken, expected, language, voice, noise):
    x = reading(spoken, language, voice)
    if noise:
        x = mediagen.add_noise(x, mediagen.pink_noise(len(x), 4), float(noise[-2:]))
    verdicts = {"wav": asr.verify(x, expected, language).accepted}
    for fmt in ("webm", "mp4"):
        audio = video.decode(mediagen.audio_video(x, asr.SAMPLE_RATE, fmt=fmt)).audio
        verdicts[fmt] = asr.verify(audio, expected, language).accepted
    assert len(set(verdicts.values())) == 1, verdicts
    assert verdicts["wav"] == (spoken == expected)
