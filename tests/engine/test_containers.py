"""The same spoken digits are recognised alike whatever container and audio codec carry them.

The decoded 16 kHz audio of one clip as WebM (Opus), MP4 (AAC), AVI (PCM) and MOV (stereo
AAC, as phones write) differs only by codec noise; the recogniser must not turn that noise into
a different reading. The readings below are ones where the grammar search used to prune the
right path in some containers and not in others (e.g. 1444 heard as "2044" from the WebM and
the lossless AVI but right from the MP4).
"""
import pytest

from liveness.engine import analyse_digit_video, codes
from liveness.engine import digits as asr
from liveness.engine import video
from tests import mediagen

SIZE = (270, 480)  # the smallest accepted resolution: the audio is what is under test
READINGS = [  # (digits, espeak-ng voice, words per minute)
    ("1444", "en-us+Denis", 140),
    ("8663", "en-us+klatt3", 120),
    ("9691", "en-us+f5", 140),
]


@pytest.mark.parametrize("fmt", ["webm", "mp4", "avi", "mov"])
@pytest.mark.parametrize("digits,voice,speed", READINGS)
def test_same_reading_recognised_in_every_container(digits, voice, speed, fmt):
    layout = "stereo" if fmt == "mov" else "mono"
    clip = mediagen.digit_video(digits, voice=voice, speed=speed, fmt=fmt, size=SIZE, audio_layout=layout)
    r = analyse_digit_video(clip, digits=digits)
    assert r.recognised_digits == digits, r.findings
    assert codes.WRONG_DIGITS not in {f.split(":", 1)[0] for f in r.findings}


def test_recognition_is_not_pruned_away_by_codec_noise():
    """Recognising the decoded audio of each container directly (no face work): every one
    of the readings above in every container."""
    heard = {}
    for digits, voice, speed in READINGS:
        for fmt in ("webm", "mp4", "avi"):
            dec = video.decode(mediagen.digit_video(digits, voice=voice, speed=speed, fmt=fmt, size=SIZE))
            heard[(digits, fmt)] = asr.recognise(dec.audio, len(digits))[0]
    assert all(h == d for (d, _), h in heard.items()), heard


def test_stereo_down_mix_keeps_the_level():
    """A stereo track with the same speech on both channels decodes to the level of the mono
    one (FFmpeg's default down-mix summed them 3 dB louder)."""
    mono = video.decode(mediagen.digit_video("4821", fmt="mp4", size=SIZE))
    stereo = video.decode(mediagen.digit_video("4821", fmt="mp4", size=SIZE, audio_layout="stereo"))
    peak_mono, peak_stereo = float(abs(mono.audio).max()), float(abs(stereo.audio).max())
    assert peak_stereo == pytest.approx(peak_mono, rel=0.05)
    assert peak_stereo <= 1.0
    assert abs(len(stereo.audio) - len(mono.audio)) < 0.02 * video.AUDIO_RATE
