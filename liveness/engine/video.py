"""Digit-reading video liveness (the local counterpart of YouTu ``livedetectfour``)."""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np

from . import codes, compare, digits as digit_asr, faces, lipsync
from .imaging import encode_jpeg
from .results import EngineResult, Scorer, failure, ramp
from .selfie import assess_face
from .tracking import FrameFace, best_face, track_faces

SAMPLE_FPS = 15.0             # frames analysed per second of video (the lip check times each digit)
WORK_SHORT_SIDE = 480         # frames are analysed at most this large (short side)
AUDIO_RATE = digit_asr.SAMPLE_RATE
MAX_DURATION_S = 60.0         # longer clips are cut (the challenge takes a few seconds)

MIN_AUDIO_S = 0.3
QUIET_DBFS = -42.0            # speech level (95th percentile of 20 ms frames) below: too quiet
FACE_RATIO_OK, FACE_RATIO_MIN = 0.95, 0.80
MULTI_FACE_KEYFRAMES = 0.30   # share of keyframes with 2+ faces that fails the clip
SAME_PERSON_OK, SAME_PERSON_MAX = 0.45, 0.60  # descriptor distance within the clip
MAX_DESCRIPTORS = 4
DESCRIPTOR_SPAN_S = 2.0  # one identity descriptor per 2 s stretch (at least 2): each costs ~75 ms
WRONG_DIGITS_PENALTY = 50.0
HARD_PENALTY = 35.0  # at least this for every hard failure that still gets a score: alone it ends below 70


class VideoDecodeError(ValueError):
    pass


@dataclass
class Decoded:
    width: int = 0
    height: int = 0
    duration: float = 0.0
    frames: list = field(default_factory=list)  # [(time s, rgb uint8)]
    has_audio_stream: bool = False
    audio: np.ndarray | None = None  # float32 mono 16 kHz
    audio_start: float = 0.0
    codec: str = ""


def _rotate(img: np.ndarray, rotation: int) -> np.ndarray:
    r = int(round(rotation / 90.0)) % 4
    if r == 0:
        return img
    # FFmpeg's rotation is counter-clockwise degrees to apply for display
    return np.ascontiguousarray(np.rot90(img, k=r))


def _mono(frame) -> np.ndarray:
    """One channel from a planar float frame: the mean of its channels.

    A mean keeps the level of a stereo recording whose channels carry the same speech (what
    phones record), where FFmpeg's default down-mix adds them at 1/sqrt(2) each, 3 dB louder
    (measured x1.41) and past full scale for loud speech, which misreports ``rms_dbfs``."""
    x = frame.to_ndarray()
    return (x.mean(axis=0) if x.shape[0] > 1 else x[0]).astype(np.float32)


def probe_resolution(container) -> tuple[int, int]:
    vs = container.streams.video[0]
    return int(vs.codec_context.width or 0), int(vs.codec_context.height or 0)


#: Besides av.error.FFmpegError, what reading a broken file raises. Nothing broader: a Celery worker's
#: soft time limit arrives as an exception raised wherever the code is (SoftTimeLimitExceeded), and a
#: catch-all here swallowed it under load, so the check ran on instead of stopping at the limit.
READ_ERRORS = (OSError, ValueError, IndexError, EOFError, UnicodeDecodeError)


def decode(data: bytes, *, sample_fps: float = SAMPLE_FPS, stop_early=None) -> Decoded:
    """Decode ``data`` (WebM/MP4/FLV/AVI/MKV/...) with PyAV: every ``1/sample_fps`` s one RGB
    frame (short side at most 480 px) and the whole audio track as 16 kHz mono float.

    ``stop_early(width, height)`` may return True to stop right after probing the stream.
    """
    import av

    if not data:
        raise VideoDecodeError("empty file")
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, *READ_ERRORS) as exc:  # unknown formats, corrupt headers, ...
        raise VideoDecodeError(f"not a readable video ({type(exc).__name__}: {exc})") from exc
    out = Decoded()
    with container:
        fmt_name = container.format.name or ""
        if fmt_name.endswith("_pipe") or fmt_name in ("image2", "gif", "apng", "webp"):
            raise VideoDecodeError(f"this is a still image ({fmt_name}), not a video")
        if not container.streams.video:
            raise VideoDecodeError("the file has no video stream")
        vs = container.streams.video[0]
        vs.thread_type = "AUTO"
        out.codec = vs.codec_context.name or ""
        w, h = probe_resolution(container)
        out.width, out.height = w, h
        if stop_early is not None and w and h and stop_early(w, h):
            return out
        streams = [vs]
        resampler = None
        chunks: list[np.ndarray] = []
        if container.streams.audio:
            a_s = container.streams.audio[0]
            streams.append(a_s)
            out.has_audio_stream = True
            # planar float at 16 kHz in the source's own channel layout; the channels are
            # averaged below (FFmpeg's own stereo->mono matrix sums them at +3 dB)
            resampler = av.AudioResampler(format="fltp", rate=AUDIO_RATE)
        interval = 1.0 / sample_fps
        next_t = -1.0
        first_t = last_t = None
        frame_dur = 1.0 / float(vs.average_rate or vs.guessed_rate or 25)
        audio_t0 = None
        n_video = 0
        try:
            for packet in container.demux(streams):
                for frame in packet.decode():
                    if isinstance(frame, av.AudioFrame):
                        if audio_t0 is None:
                            audio_t0 = float(frame.time or 0.0)
                        for rf in resampler.resample(frame):
                            chunks.append(_mono(rf))
                        continue
                    t = frame.time
                    t = float(t) if t is not None else n_video * frame_dur
                    n_video += 1
                    if first_t is None:
                        first_t = t
                    last_t = t if last_t is None else max(last_t, t)
                    if t - first_t > MAX_DURATION_S:
                        continue
                    if t + 1e-6 >= next_t:
                        next_t = max(next_t + interval, t + interval * 0.5)
                        fw, fh = frame.width, frame.height
                        s = min(1.0, WORK_SHORT_SIDE / max(1, min(fw, fh)))
                        tw, th = max(2, int(round(fw * s / 2)) * 2), max(2, int(round(fh * s / 2)) * 2)
                        # to_ndarray() may return a strided view (line padding); dlib needs contiguous
                        img = np.ascontiguousarray(frame.reformat(width=tw, height=th, format="rgb24").to_ndarray())
                        rot = getattr(frame, "rotation", 0) or 0
                        out.frames.append((t, _rotate(img, rot)))
            if resampler is not None:
                for rf in resampler.resample(None):
                    chunks.append(_mono(rf))
        # A truncated or corrupt stream: keep what decoded, if anything. Only read errors: anything else
        # (a worker's soft time limit raised in this thread above all) must reach the caller.
        except (av.error.FFmpegError, *READ_ERRORS) as exc:
            if not out.frames:
                raise VideoDecodeError(f"the video stream could not be decoded ({type(exc).__name__}: {exc})") from exc
        if not out.frames:
            raise VideoDecodeError("the video stream has no decodable frames")
        out.duration = float(last_t - first_t + frame_dur)
        if chunks:
            out.audio = np.concatenate(chunks).astype(np.float32)
            out.audio_start = float((audio_t0 or 0.0) - (first_t or 0.0))
        if out.frames and out.frames[0][1].shape[0] > out.frames[0][1].shape[1] and out.width > out.height:
            out.width, out.height = out.height, out.width  # rotated for display
    return out


# ------------------------------------------------------------------ audio helpers

def frame_dbfs(x: np.ndarray, win: int = 320) -> np.ndarray:
    """Level of each 20 ms frame in dBFS."""
    n = len(x) // win
    if n == 0:
        return np.array([-120.0])
    r = np.sqrt(np.mean(x[: n * win].reshape(n, win) ** 2, axis=1))
    return 20 * np.log10(np.maximum(r, 1e-6))


# ------------------------------------------------------------------ the analysis

def _doubtful_digits(check: digit_asr.DigitCheck, expected: str) -> str:
    """For the reviewer: which expected digits the recogniser doubted, each with its margin beside
    the threshold (``digits.verify``), e.g. ``; 2nd digit "8": margin -3.1 (each needs -1.5 or more)``.
    Empty when no margin is under it (a refusal by the English transcription veto)."""
    threshold = digit_asr.MARGIN_THRESHOLD.get(check.language)
    if threshold is None:
        return ""
    doubted = [f"{ORDINALS.get(i + 1, f'{i + 1}th')} digit \"{digit}\": margin {margin:.1f}"
               for i, (digit, margin) in enumerate(zip(expected, check.margins)) if margin < threshold]
    return f"; {', '.join(doubted)} (each needs {threshold:g} or more)" if doubted else ""


ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def analyse_digit_video(video: bytes, *, digits: str, card: bytes | None = None,
                        min_short_side: int = 270, min_long_side: int = 480,
                        min_duration_s: float = 2.0, similarity_threshold: float | None = None,
                        language: str = "en") -> EngineResult:
    """Liveness of a video in which the user reads ``digits`` aloud in ``language`` ("en" or
    "zh", see ``digits.LANGUAGES``; ValueError otherwise); with ``card``, also the face
    comparison of the best frame with the card photo (in ``.similarity``).

    See docs/engine.md for every check, threshold and the score formula.
    """
    digits = "".join(c for c in str(digits) if c.isdigit())
    digit_asr.check_language(language)

    def too_small(w: int, h: int) -> bool:
        return min(w, h) < min_short_side or max(w, h) < min_long_side

    try:
        dec = decode(video, stop_early=too_small)
    except VideoDecodeError as exc:
        return failure(codes.UNDECODABLE_VIDEO, str(exc))
    sc = Scorer()
    m = sc.metrics
    m.update(width=dec.width, height=dec.height)
    if too_small(dec.width, dec.height):
        return failure(
            codes.VIDEO_RESOLUTION_TOO_LOW,
            f"resolution {dec.width}x{dec.height} below the minimum {min_short_side}x{min_long_side} "
            f"(or {min_long_side}x{min_short_side} landscape)",
            m,
        )
    m["duration_s"] = dec.duration
    m["frames_analysed"] = len(dec.frames)
    if dec.duration + 1e-3 < min_duration_s:
        return failure(codes.VIDEO_TOO_SHORT, f"video lasts {dec.duration:.2f}s, below the minimum {min_duration_s:g}s", m)

    # ---- audio level (checked before the expensive face work: without speech nothing else matters)
    audio = dec.audio
    audio_ok = True
    if not dec.has_audio_stream or audio is None or len(audio) < MIN_AUDIO_S * AUDIO_RATE:
        sc.add(codes.NO_AUDIO, "the video has no audio track" if not dec.has_audio_stream else "the audio track is empty", hard=True)
        audio_ok = False
    else:
        m["audio_s"] = len(audio) / AUDIO_RATE
        peak = float(np.abs(audio).max())
        levels = frame_dbfs(audio)
        speech_db = float(np.percentile(levels, 95))
        floor_db = float(np.percentile(levels, 10))
        m.update(rms_dbfs=speech_db, noise_floor_dbfs=floor_db, snr_db=speech_db - floor_db)
        if peak < 1e-4:
            sc.add(codes.NO_AUDIO, "the audio track is digital silence (microphone muted or missing)", hard=True)
            audio_ok = False
        elif speech_db < QUIET_DBFS:
            sc.add(codes.AUDIO_TOO_QUIET, f"speech level {speech_db:.1f} dBFS below {QUIET_DBFS:.0f} dBFS", hard=True)
            audio_ok = False

    # ---- faces
    tracked, keyframes, multi = track_faces(dec.frames, SAMPLE_FPS)
    n = len(dec.frames)
    ratio = len(tracked) / max(1, n)
    m["face_frames_ratio"] = ratio
    m["keyframes_multiple_faces"] = multi
    best = best_face(tracked)
    extra: dict = {}
    scored = audio_ok
    if not tracked:
        sc.add(codes.NO_FACE, f"no face found in any of the {n} frames analysed", hard=True)
        scored = False
    elif keyframes and multi / keyframes >= MULTI_FACE_KEYFRAMES:
        sc.add(codes.MULTIPLE_FACES, f"two or more faces in {multi} of {keyframes} one-second keyframes", hard=True)
        scored = False
    else:
        if ratio < FACE_RATIO_MIN:
            sc.add(codes.FACE_LOST, f"face visible in {ratio:.0%} of frames, below {FACE_RATIO_MIN:.0%}", HARD_PENALTY, hard=True)
        else:
            sc.soft(codes.FACE_LOST, f"face visible in {ratio:.0%} of frames (under {FACE_RATIO_OK:.0%})",
                    ramp(ratio, FACE_RATIO_OK, FACE_RATIO_MIN, 20.0))

    best_desc = None
    if best is not None:
        img = dec.frames[best.index][1]
        extra["best_frame_jpeg"] = encode_jpeg(img)
        extra["face_crop_jpeg"] = encode_jpeg(faces.crop(img, best.face))
        m["best_frame_time_s"] = best.time
        if sc.hard_code not in (codes.MULTIPLE_FACES,):
            best_desc = faces.descriptor(img, best.face)
            # ---- same person throughout: one descriptor per stretch of the clip
            span = max(1e-6, tracked[-1].time - tracked[0].time)
            k = int(min(MAX_DESCRIPTORS, max(2, math.ceil(span / DESCRIPTOR_SPAN_S))))
            buckets: dict[int, list[FrameFace]] = {}
            for ff in tracked:
                buckets.setdefault(min(k - 1, int((ff.time - tracked[0].time) / span * k)), []).append(ff)
            stretch_best = [best_face(b) for b in buckets.values()]
            dists = [
                float(np.linalg.norm(faces.descriptor(dec.frames[ff.index][1], ff.face) - best_desc))
                for ff in stretch_best if ff is not best
            ]
            worst = max(dists) if dists else 0.0
            m["identity_max_distance"] = worst
            if worst > SAME_PERSON_MAX:
                sc.add(codes.FACE_CHANGED, f"the face changed during the clip (descriptor distance {worst:.2f} above {SAME_PERSON_MAX})", HARD_PENALTY + 5, hard=True)
            else:
                sc.soft(codes.FACE_CHANGED, f"face descriptors vary within the clip (distance {worst:.2f} above {SAME_PERSON_OK})",
                        ramp(worst, SAME_PERSON_OK, SAME_PERSON_MAX, 20.0))

    # ---- spoken digits
    recognised = ""
    spoken: list[tuple[str, float, float]] = []  # the challenge's digits as aligned, in audio time
    if audio_ok:
        check = digit_asr.verify(audio, digits, language)
        # the verified challenge when accepted, else what the free digit loop heard
        recognised = digits if check.accepted else check.heard
        spoken = list(check.timings)
        extra["digit_timings"] = [(d, a + dec.audio_start, b + dec.audio_start) for d, a, b in check.timings]
        m["digits_expected"] = len(digits)
        m["digits_correct"] = sum(a == b for a, b in zip(check.heard, digits))
        if not check.no_speech:
            m["digits_llr"] = max(check.llr, -99.0)
        if check.timings:
            m["speech_start_s"] = check.timings[0][1] + dec.audio_start
            m["speech_end_s"] = check.timings[-1][2] + dec.audio_start
        if check.no_speech:
            sc.add(codes.NO_SPEECH, "no speech was heard (only noise or silence)", WRONG_DIGITS_PENALTY, hard=True)
        elif not check.accepted:
            sc.add(codes.WRONG_DIGITS, f"heard \"{check.heard or 'nothing'}\", expected \"{digits}\""
                   f"{_doubtful_digits(check, digits)}", WRONG_DIGITS_PENALTY, hard=True)

    # ---- lips: does the mouth open with each digit heard, and only then? (lipsync.py)
    if audio_ok and len(tracked) >= 8 and sc.hard_code not in (codes.MULTIPLE_FACES,):
        opening = np.full(n, np.nan)
        for ff in tracked:
            opening[ff.index] = ff.opening
        times = np.array([t for t, _ in dec.frames]) - dec.frames[0][0] - dec.audio_start
        # the forced alignment's digit timings (digits.verify), in audio time
        lipsync.judge(lipsync.measure(times, opening, spoken, audio, AUDIO_RATE, 1.0 / SAMPLE_FPS), sc, HARD_PENALTY + 5)

    # ---- quality and presentation-attack cues on the best frame
    if best is not None and sc.hard_code not in (codes.MULTIPLE_FACES,):
        img = dec.frames[best.index][1]
        assess_face(img, best.face, sc, presentation_attack=True)

    # ---- comparison with the ID card
    if card is not None:
        if best_desc is None:
            extra["similarity"] = failure(codes.NO_FACE, "no usable face in the video to compare with the card")
        else:
            ref, fail, ref_px = compare.reference_descriptor(card)
            extra["similarity"] = fail if fail is not None else compare.judge(
                best_desc, ref, {"probe_face_px": best.face.size, "reference_face_px": ref_px}, similarity_threshold
            )
    return sc.result(scored=scored, recognised_digits=recognised, **extra)
