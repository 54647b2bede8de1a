"""Test media generated on the fly: selfies, ID-card photos, spoken digits and digit videos.

Nothing is downloaded. Faces come from images that installed packages ship:

* ``astronaut``: scikit-image's portrait of Eileen Collins (512x512, colour);
* ``lfw:N``: scikit-image's ``lfw_subset`` (the first 100 of its 200 tiles are 25x25 grey faces
  from Labeled Faces in the Wild, identities unknown), upscaled and tinted. Low quality, but
  they are other real people, which is what the "different person" cases need.

Speech comes from ``espeak-ng`` (Debian package), videos are encoded with PyAV. Every generator is
memoised, so a test session builds each distinct medium once. Reusable by any test suite::

    from tests import mediagen
    jpeg = mediagen.selfie_jpeg()                     # a good 3:4 selfie
    video = mediagen.digit_video("1234")              # WebM (VP8+Opus) of the astronaut reading 1234
"""
from __future__ import annotations

import functools
import io
import math
import os
import subprocess
import tempfile
import wave
from fractions import Fraction

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
# espeak-ng voices (language+variant) that pocketsphinx's US-English model recognises reliably;
# bench/engine.py also measures a "hard" set of default formant voices.
GOOD_VOICES = [
    "en-us+m1", "en-us+m2", "en-us+m6", "en-us+f2", "en-us+f5",
    "en-us+klatt", "en-us+klatt3", "en-us+Denis", "en-us+edward",
]
HARD_VOICES = ["en-us", "en", "en+f3", "en-gb-x-rp"]
DEFAULT_VOICE = "en-us+m1"


# ---------------------------------------------------------------- faces ---------------------

@functools.lru_cache(maxsize=None)
def _astronaut() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


@functools.lru_cache(maxsize=None)
def _lfw_faces() -> np.ndarray:
    from skimage import data

    return data.lfw_subset()[:100]


def _detect(rgb: np.ndarray):
    """(left, top, right, bottom) of the strongest face, via dlib (upsampling if needed)."""
    import dlib

    det = dlib.get_frontal_face_detector()
    for up in (0, 1, 2):
        rects, scores, _ = det.run(rgb, up, 0.0)
        if len(rects):
            r = rects[int(np.argmax(scores))]
            return r.left(), r.top(), r.right(), r.bottom()
    raise ValueError("no face in the source image")


@functools.lru_cache(maxsize=None)
def face_source(face: str = "astronaut") -> tuple[np.ndarray, tuple[int, int, int, int], np.ndarray | None]:
    """(RGB image, face box, alpha mask or None) for a named face."""
    if face == "astronaut":
        img = _astronaut()
        return img, (179, 83, 266, 170), None
    if face.startswith("lfw:"):
        gray = _lfw_faces()[int(face[4:])]
        g = np.asarray(Image.fromarray((gray * 255).astype(np.uint8)).resize((200, 200), Image.BICUBIC), np.float32)
        tint = np.array([1.0, 0.82, 0.68], np.float32)  # skin-like colour for a grey face
        rgb = np.clip(g[..., None] * tint[None, None, :] * 1.05 + np.array([18, 8, 0]), 0, 255).astype(np.uint8)
        canvas = np.full((400, 400, 3), 0, np.uint8)
        canvas[100:300, 100:300] = rgb
        yy, xx = np.mgrid[0:400, 0:400]
        alpha = np.clip(1.3 - np.hypot((xx - 200) / 100.0, (yy - 200) / 108.0), 0, 1) ** 0.7
        box = _detect(np.ascontiguousarray(np.where(alpha[..., None] > 0, canvas, 128).astype(np.uint8)))
        return canvas, box, alpha.astype(np.float32)
    raise ValueError(f"unknown face {face!r}")


def usable_lfw_faces() -> list[str]:
    """Names of the lfw_subset faces dlib finds after upscaling (bench uses these)."""
    out = []
    for i in range(100):
        try:
            face_source(f"lfw:{i}")
            out.append(f"lfw:{i}")
        except ValueError:
            pass
    return out


def _background(w: int, h: int, seed: int = 0) -> np.ndarray:
    """A smooth wall-like background (vertical gradient plus soft low-frequency blotches)."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, h)[:, None, None]
    base = np.array([150, 160, 172], np.float32) * (1.05 - 0.25 * y)
    low = rng.normal(0, 1, (max(2, h // 64), max(2, w // 64), 3)).astype(np.float32)
    low = np.asarray(Image.fromarray(((low * 20) + 128).clip(0, 255).astype(np.uint8)).resize((w, h), Image.BICUBIC), np.float32) - 128
    return np.clip(base + low * 0.3 + np.zeros((h, w, 3), np.float32), 0, 255).astype(np.uint8)


def portrait(face: str = "astronaut", size: tuple[int, int] = (480, 640), face_frac: float = 0.38,
             center: tuple[float, float] = (0.5, 0.42), background: np.ndarray | None = None) -> np.ndarray:
    """A ``size`` (width, height) RGB frame with ``face`` scaled so its detector box is
    ``face_frac`` of the frame width, centred at ``center`` (fractions of width/height)."""
    w, h = size
    img, (l, t, r, b), alpha = face_source(face)
    scale = face_frac * w / (r - l)
    sw, sh = max(1, round(img.shape[1] * scale)), max(1, round(img.shape[0] * scale))
    big = np.asarray(Image.fromarray(img).resize((sw, sh), Image.BICUBIC if scale > 1 else Image.LANCZOS))
    fx, fy = (l + r) / 2 * scale, (t + b) / 2 * scale
    ox, oy = int(round(center[0] * w - fx)), int(round(center[1] * h - fy))  # where big's (0,0) lands
    out = (background if background is not None else _background(w, h)).copy()
    a = None
    if alpha is not None:
        a = np.asarray(Image.fromarray((alpha * 255).astype(np.uint8)).resize((sw, sh), Image.BILINEAR), np.float32) / 255
    elif background is None:
        # astronaut: cover the frame with the photo, extending its edges if it is too small
        pad_x, pad_y = max(0, -ox, ox + sw - w) + 1, max(0, -oy, oy + sh - h) + 1
        if ox > 0 or oy > 0 or ox + sw < w or oy + sh < h:
            big = np.pad(big, ((pad_y, pad_y), (pad_x, pad_x), (0, 0)), mode="reflect")
            ox -= pad_x
            oy -= pad_y
            sw, sh = big.shape[1], big.shape[0]
    x0, y0 = max(0, ox), max(0, oy)
    x1, y1 = min(w, ox + sw), min(h, oy + sh)
    src = big[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    if a is None and background is not None:
        yy, xx = np.mgrid[0:sh, 0:sw]
        a = np.clip(1.6 - np.hypot((xx - fx) / (1.9 * (r - l) * scale), (yy - fy) / (2.3 * (b - t) * scale)) * 1.6, 0, 1).astype(np.float32)
    if a is None:
        out[y0:y1, x0:x1] = src
    else:
        aa = a[y0 - oy:y1 - oy, x0 - ox:x1 - ox, None]
        out[y0:y1, x0:x1] = (src * aa + out[y0:y1, x0:x1] * (1 - aa)).astype(np.uint8)
    return out


def _jpeg(rgb: np.ndarray, quality: int = 90, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    kw = {"quality": quality} if fmt in ("JPEG", "WEBP") else {}
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, fmt, **kw)
    return buf.getvalue()


def _moire(rgb: np.ndarray, amplitude: float = 0.15, period: float = 6.0, angle: float = 17.0) -> np.ndarray:
    """Overlay the interference pattern a camera records from a screen: two slightly rotated
    gratings (the screen's pixel grid beating against the sensor's)."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    th = math.radians(angle)
    g1 = np.cos(2 * np.pi * (xx * math.cos(th) + yy * math.sin(th)) / period)
    g2 = np.cos(2 * np.pi * (-xx * math.sin(th) + yy * math.cos(th)) / (period * 1.1))
    pattern = 1 + amplitude * (g1 + g2) / 2
    return np.clip(rgb * pattern[..., None], 0, 255).astype(np.uint8)


def _halftone(rgb: np.ndarray, period: float = 2.5, blur: float = 0.6, mix: float = 0.6) -> np.ndarray:
    """A printed halftone photographed again: each channel thresholded against a 45-degree dot
    screen, softened by the camera, blended with the continuous-tone image (ink spread)."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (xx + yy) / math.sqrt(2) / period
    v = (xx - yy) / math.sqrt(2) / period
    screen = (np.cos(2 * np.pi * u) * np.cos(2 * np.pi * v) + 1) / 2  # 0..1 dot screen
    ink = (rgb.astype(np.float32) / 255 > screen[..., None]).astype(np.uint8) * 255
    ink = np.asarray(Image.fromarray(ink).filter(ImageFilter.GaussianBlur(blur)), np.float32)
    return np.clip(ink * mix + rgb * (1 - mix), 0, 255).astype(np.uint8)


def _phone_frame(rgb: np.ndarray) -> np.ndarray:
    """The picture shown on a phone held up to the camera: a dark bezel with straight edges,
    on a desk-like background, the screen filling ~60% of the frame."""
    from skimage import data

    h, w = rgb.shape[:2]
    bg = np.asarray(Image.fromarray(data.coffee()).resize((w, h), Image.BILINEAR)).copy()
    sw, sh = int(w * 0.62), int(h * 0.62)
    screen = np.asarray(Image.fromarray(rgb).resize((sw, sh), Image.LANCZOS))
    bez = int(w * 0.04)
    x0, y0 = (w - sw) // 2, (h - sh) // 2
    im = Image.fromarray(bg)
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((x0 - bez, y0 - 2 * bez, x0 + sw + bez, y0 + sh + 2 * bez), radius=bez * 2, fill=(18, 18, 22))
    out = np.asarray(im).copy()
    out[y0:y0 + sh, x0:x0 + sw] = screen
    return out


@functools.lru_cache(maxsize=None)
def selfie_rgb(face: str = "astronaut", *, size: tuple[int, int] = (600, 800), face_frac: float = 0.36,
               blur: float = 0.0, brightness: float = 1.0, scale: float = 1.0, two_faces: bool = False,
               moire: float = 0.0, halftone: bool = False, grayscale: bool = False, phone: bool = False,
               rotate: float = 0.0, no_face: bool = False, crop: str = "3:4") -> np.ndarray:
    w, h = size
    if crop == "square":
        w = h = min(w, h)
    elif crop == "wide":
        w, h = int(h * 16 / 9), h
    if no_face:
        from skimage import data

        img = np.asarray(Image.fromarray(data.coffee()).resize((w, h), Image.BILINEAR))
    elif two_faces:
        half = (w // 2, h)
        left = portrait(face, half, face_frac=face_frac * 1.6)
        right = portrait("lfw:3" if face == "astronaut" else "astronaut", half, face_frac=face_frac * 1.6)
        img = np.hstack([left, right])
    else:
        img = portrait(face, (w, h), face_frac=face_frac)
    if rotate:
        img = np.asarray(Image.fromarray(img).rotate(rotate, resample=Image.BICUBIC, expand=False, fillcolor=(150, 160, 170)))
    if grayscale:
        g = np.asarray(Image.fromarray(img).convert("L"), np.float32)
        img = np.clip(np.stack([g] * 3, -1) * 0.8 + 30, 0, 255).astype(np.uint8)
    if halftone:
        img = _halftone(img)
    if phone:
        img = _phone_frame(img)
    if moire:
        img = _moire(img, amplitude=moire)
    if blur:
        img = np.asarray(Image.fromarray(img).filter(ImageFilter.GaussianBlur(blur)))
    if brightness != 1.0:
        img = np.clip(img.astype(np.float32) * brightness, 0, 255).astype(np.uint8)
    if scale != 1.0:
        img = np.asarray(Image.fromarray(img).resize((max(16, int(img.shape[1] * scale)), max(16, int(img.shape[0] * scale))), Image.LANCZOS))
    return np.ascontiguousarray(img)


@functools.lru_cache(maxsize=None)
def selfie_jpeg(face: str = "astronaut", *, fmt: str = "JPEG", quality: int = 90, **variations) -> bytes:
    """A selfie as encoded bytes. ``variations`` (all optional): ``blur`` (Gaussian radius px),
    ``brightness`` (multiplier), ``scale`` (resize factor), ``two_faces``, ``moire`` (amplitude,
    e.g. 0.15), ``halftone``, ``grayscale``, ``phone`` (shown on a phone held up to the camera),
    ``rotate`` (degrees), ``no_face`` (a picture of coffee), ``crop`` ("3:4", "square", "wide"),
    ``size`` ((w, h), default 600x800), ``face_frac`` (face width / image width)."""
    return _jpeg(selfie_rgb(face, **variations), quality=quality, fmt=fmt)


@functools.lru_cache(maxsize=None)
def card_jpeg(face: str = "astronaut") -> bytes:
    """A synthetic ID card (856x540, the ID-1 aspect): pale printed background, text blocks on
    the left, the holder's photo on the right."""
    w, h = 856, 540
    y = np.linspace(0, 1, h)[:, None]
    x = np.linspace(0, 1, w)[None, :]
    base = np.stack([225 + 10 * x + 0 * y, 232 + 8 * y + 0 * x, 240 - 10 * x + 0 * y], -1)
    im = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    for i, (tw, ty) in enumerate([(160, 70), (260, 130), (120, 190), (300, 250), (330, 310), (200, 370)]):
        d.rectangle((50, ty, 50 + tw, ty + 22), fill=(70, 80, 95) if i % 2 == 0 else (110, 115, 125))
    d.rectangle((40, 440, 820, 470), fill=(60, 60, 70))
    photo = portrait(face, (240, 300), face_frac=0.55, center=(0.5, 0.45), background=np.full((300, 240, 3), 235, np.uint8))
    im.paste(Image.fromarray(photo), (570, 80))
    return _jpeg(np.asarray(im), quality=88)


# ---------------------------------------------------------------- speech --------------------

@functools.lru_cache(maxsize=None)
def speech_wav(digits: str, voice: str = DEFAULT_VOICE, speed: int = 150, gap_words: str = ", ") -> bytes:
    """WAV bytes of ``espeak-ng`` reading ``digits`` one word each, with a comma pause between
    them (as people read a code aloud)."""
    text = gap_words.join(WORDS[int(c)] for c in digits)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text], check=True, capture_output=True)
        with open(path, "rb") as fh:
            return fh.read()


def wav_to_array(wav: bytes) -> tuple[np.ndarray, int]:
    """(mono float32 samples in -1..1, sample rate)."""
    with wave.open(io.BytesIO(wav)) as w:
        sr = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
        if w.getnchannels() > 1:
            x = x.reshape(-1, w.getnchannels()).mean(axis=1)
    return x, sr


def _resample(x: np.ndarray, sr: int, target: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = math.gcd(sr, target)
    return resample_poly(x, target // g, sr // g).astype(np.float32)


def _envelope(x: np.ndarray, sr: int, times: np.ndarray, half_window: float = 0.04) -> np.ndarray:
    """RMS of ``x`` around each time, normalised to 0..1 (the 98th percentile maps to 1)."""
    out = np.zeros(len(times), np.float32)
    for i, t in enumerate(times):
        a, b = int(max(0, (t - half_window) * sr)), int(min(len(x), (t + half_window) * sr))
        out[i] = np.sqrt(np.mean(x[a:b] ** 2)) if b > a else 0.0
    top = np.percentile(out, 98) if out.size else 0
    return np.clip(out / top, 0, 1) if top > 0 else out


# ---------------------------------------------------------------- video ---------------------

@functools.lru_cache(maxsize=None)
def _shape_predictor():
    import dlib
    import face_recognition_models

    return dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())


@functools.lru_cache(maxsize=None)
def _mouth_geometry(face: str, size: tuple[int, int], face_frac: float, center: tuple[float, float] = (0.5, 0.42)):
    """Landmarks of the rendered portrait: (mouth line y, mouth centre x, half width, chin y,
    eye distance)."""
    import dlib

    frame = portrait(face, size, face_frac=face_frac, center=center)
    l, t, r, b = _detect(frame)
    shape = _shape_predictor()(frame, dlib.rectangle(l, t, r, b))
    p = np.array([(q.x, q.y) for q in shape.parts()], np.float32)
    lip_y = float((p[62, 1] + p[66, 1]) / 2)
    cx = float((p[48, 0] + p[54, 0]) / 2)
    half = float((p[54, 0] - p[48, 0]) / 2)
    chin = float(p[8, 1])
    eye = float(np.linalg.norm(p[36:42].mean(0) - p[42:48].mean(0)))
    return lip_y, cx, half, chin, eye


def open_mouth(frame: np.ndarray, geometry, opening: float) -> np.ndarray:
    """Drop the jaw by ``opening`` pixels: the lower lip and chin area below the lip line is
    pushed down (compressed towards the chin) and the gap is filled with a dark mouth interior,
    widest in the middle and closing at the mouth corners."""
    if opening < 0.5:
        return frame
    lip_y, cx, half, chin, _ = geometry
    h, w = frame.shape[:2]
    hw = half * 1.15
    x0, x1 = int(max(0, cx - hw - 2)), int(min(w, cx + hw + 3))
    y0, y1 = int(lip_y), int(min(h - 1, chin + 2))
    out = frame.copy()
    region = frame[y0:y1 + 1, x0:x1].astype(np.float32)
    span = float(y1 - y0)
    xs = np.arange(x0, x1, dtype=np.float32)
    prof = np.clip(1 - ((xs - cx) / hw) ** 2, 0, 1) ** 0.6  # opening across the mouth
    op = opening * prof  # per column
    ys = np.arange(y0, y1 + 1, dtype=np.float32)[:, None]
    # output row y (below y0+op) samples source row y0 + (y - y0 - op) * span / (span - op)
    src = y0 + (ys - y0 - op[None, :]) * span / np.maximum(span - op[None, :], 1)
    inside = ys < (y0 + op[None, :])
    src = np.clip(src, y0, y1)
    from scipy.ndimage import map_coordinates

    rows = src - y0
    cols = np.broadcast_to(np.arange(x1 - x0, dtype=np.float32)[None, :], rows.shape)
    for c in range(3):
        warped = map_coordinates(region[..., c], [rows, cols], order=1, mode="nearest")
        dark = np.float32([55, 25, 28][c])
        out[y0:y1 + 1, x0:x1, c] = np.where(inside, dark, warped).astype(np.uint8)
    return out


def _encode(frames_iter, n_frames: int, size: tuple[int, int], fps: int, audio: np.ndarray | None,
            audio_sr: int, fmt: str, layout: str = "mono") -> bytes:
    import av

    w, h = size
    spec = {
        "webm": ("webm", "libvpx", "libopus", 48000, "yuv420p"),
        "mp4": ("mp4", "libx264", "aac", 48000, "yuv420p"),
        "flv": ("flv", "flv", "libmp3lame", 44100, "yuv420p"),
        "avi": ("avi", "mpeg4", "pcm_s16le", 16000, "yuv420p"),
        "mkv": ("matroska", "libvpx-vp9", "libopus", 48000, "yuv420p"),
        "mov": ("mov", "libx264", "aac", 44100, "yuv420p"),
    }[fmt]
    container_fmt, vcodec, acodec, arate, pix = spec
    buf = io.BytesIO()
    with av.open(buf, "w", format=container_fmt) as out:
        vs = out.add_stream(vcodec, rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, pix
        if vcodec == "libvpx":
            vs.bit_rate = 900_000
            vs.options = {"deadline": "realtime", "cpu-used": "8"}
        elif vcodec == "libvpx-vp9":
            vs.bit_rate = 700_000
            vs.options = {"deadline": "realtime", "cpu-used": "8"}
        elif vcodec == "libx264":
            vs.options = {"preset": "ultrafast", "crf": "26"}
        else:
            vs.bit_rate = 1_200_000
        astream = None
        if audio is not None:
            astream = out.add_stream(acodec, rate=arate)
            astream.layout = layout
            if acodec in ("libopus", "aac", "libmp3lame"):
                astream.bit_rate = 64_000
        for i, img in enumerate(frames_iter):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        if astream is not None:
            x = _resample(audio, audio_sr, arate)
            pcm = np.clip(x * 32767, -32768, 32767).astype(np.int16)
            chunk = 1024
            for k in range(0, len(pcm), chunk):
                part = pcm[k:k + chunk]
                if layout == "stereo":  # the same signal on both channels (packed L R L R ...)
                    part = np.repeat(part, 2)
                af = av.AudioFrame.from_ndarray(part[None, :], format="s16", layout=layout)
                af.sample_rate = arate
                af.pts = k
                af.time_base = Fraction(1, arate)
                for p in astream.encode(af):
                    out.mux(p)
            for p in astream.encode(None):
                out.mux(p)
    return buf.getvalue()


@functools.lru_cache(maxsize=None)
def digit_video(digits: str, *, talking: bool = True, duration: float | None = None,
                size: tuple[int, int] = (480, 640), audio: bool = True, face: str = "astronaut",
                fmt: str = "webm", voice: str = DEFAULT_VOICE, speed: int = 150, fps: int = 15,
                lips: str = "sync", silent: bool = False, spoken: str | None = None,
                face_visible: float = 1.0, switch_to: str | None = None, face_frac: float = 0.38,
                lead_in: float = 0.6, audio_layout: str = "mono", noise_only: bool = False) -> bytes:
    """A video of ``face`` reading ``digits`` aloud (``spoken`` overrides what is said).

    * ``talking=False``: the mouth never moves (a photo held up while someone speaks);
    * ``lips="inverted"``: the mouth moves, but open in the pauses and closed on the words;
    * ``audio=False``: no audio stream; ``silent=True``: an audio stream of near-silence;
    * ``face="none"`` (coffee, no face), ``"two"`` (the speaker plus a second person), or any
      :func:`face_source` name; ``switch_to``: another face replaces the speaker halfway;
    * ``face_visible``: fraction of the clip before the face is covered by a hand-like blob;
    * ``duration``: clip length in seconds (default: the speech plus lead-in plus 0.6 s);
    * ``fmt``: "webm" (VP8+Opus, what browsers record), "mp4" (H.264+AAC), "flv", "avi", "mkv" (VP9),
      "mov" (H.264+AAC at 44.1 kHz, as phones write);
    * ``audio_layout``: "mono" or "stereo" (the same speech on both channels, as phones record);
    * ``noise_only=True``: the audio is pink noise at about -25 dBFS and nobody speaks (the
      mouth still moves, as with ``talking``).
    """
    wav = speech_wav(spoken if spoken is not None else digits, voice, speed)
    speech, sr = wav_to_array(wav)
    speech = speech / max(1e-6, np.abs(speech).max()) * 0.6  # about -7 dBFS peak
    total = duration if duration is not None else lead_in + len(speech) / sr + 0.6
    n = max(1, int(round(total * fps)))
    track = np.zeros(int(total * sr) + 1, np.float32)
    start = int(lead_in * sr)
    seg = speech[: max(0, len(track) - start)]
    track[start:start + len(seg)] = seg
    track += np.random.default_rng(1).normal(0, 0.002, len(track)).astype(np.float32)  # room noise
    if silent:
        track = np.random.default_rng(2).normal(0, 0.0004, len(track)).astype(np.float32)
    env = _envelope(track, sr, np.arange(n) / fps)
    if noise_only:
        track = pink_noise(len(track), 3) * 0.056
    if lips == "inverted":
        env = 1.0 - env
    w, h = size

    if face == "none":
        from skimage import data

        base = np.asarray(Image.fromarray(data.coffee()).resize((w, h), Image.BILINEAR))
        geo = None
    elif face == "two":
        base = np.hstack([portrait("astronaut", (w // 2, h), face_frac=face_frac * 1.8),
                          portrait("lfw:3", (w - w // 2, h), face_frac=face_frac * 1.8)])
        geo = None
    else:
        base = portrait(face, size, face_frac=face_frac)
        geo = _mouth_geometry(face, size, face_frac)
    other = other_geo = None
    if switch_to:
        other = portrait(switch_to, size, face_frac=face_frac)
        other_geo = _mouth_geometry(switch_to, size, face_frac)

    def frames():
        for i in range(n):
            img, g = (other, other_geo) if (switch_to and i >= n // 2) else (base, geo)
            if talking and g is not None:
                img = open_mouth(img, g, float(env[i]) * 0.32 * g[4])
            # small head sway so consecutive frames are not identical
            dx = int(round(2 * math.sin(i / fps * 2.1)))
            dy = int(round(1.5 * math.sin(i / fps * 1.3 + 1)))
            img = np.roll(img, (dy, dx), axis=(0, 1))
            if i >= face_visible * n:
                img = img.copy()
                cx, cy = w // 2, int(h * 0.42)
                rr = int(w * 0.3)
                yy, xx = np.ogrid[0:h, 0:w]
                img[(xx - cx) ** 2 + ((yy - cy) / 1.3) ** 2 < rr * rr] = (196, 150, 128)
            yield np.ascontiguousarray(img)

    return _encode(frames(), n, size, fps, track if audio else None, sr, fmt, audio_layout)


# ---------------------------------------------------------------- more speech: languages, noise, real speakers

ZH_CHARS = "零一二三四五六七八九"
# espeak-ng's "cmn" voice reads Chinese characters through English letter rules on the Debian
# build here ("零" comes out as "ling two"); "cmn-latn-pinyin" reads them as Mandarin.
ZH_VOICES = [
    "cmn-latn-pinyin", "cmn-latn-pinyin+m1", "cmn-latn-pinyin+m3", "cmn-latn-pinyin+f2",
    "cmn-latn-pinyin+f4", "cmn-latn-pinyin+klatt", "cmn-latn-pinyin+Andy", "cmn-latn-pinyin+Linda",
]
#: Recorded digits: the few the tests use ship in tests/data (CC BY-SA 4.0, see its README); the whole
#: development set, which the benchmark reads, is outside the repository when present.
FSDD_TAKES = tuple(range(10))  # takes 0-9 of each speaker in the development set
REAL_DIGITS_DIRS = (os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "spoken-digits"),
                    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared",
                                 "data", "spoken-digits-dev"))


@functools.lru_cache(maxsize=None)
def digit_speech_wav(digits: str, *, language: str = "en", voice: str | None = None, speed: int = 150,
                     one_as_yao: bool = False) -> bytes:
    """WAV bytes of espeak-ng reading ``digits`` one word each, with a comma pause between
    them, in English ("en": the words zero..nine) or Mandarin ("zh": 零..九 read by a
    ``cmn-latn-pinyin`` voice; ``one_as_yao`` writes 幺 for 1, read yāo, as in phone numbers)."""
    if language == "en":
        return speech_wav(digits, voice or DEFAULT_VOICE, speed)
    if language != "zh":
        raise ValueError(f"unknown language {language!r}")
    chars = [("幺" if (c == "1" and one_as_yao) else ZH_CHARS[int(c)]) for c in digits]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice or ZH_VOICES[0], "-s", str(speed), "-w", path, "，".join(chars)],
                       check=True, capture_output=True)
        with open(path, "rb") as fh:
            return fh.read()


def pink_noise(n: int, seed: int = 0) -> np.ndarray:
    """``n`` samples of pink (1/f power) noise, unit RMS."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.normal(0, 1, n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    x = np.fft.irfft(spec / np.sqrt(f), n).astype(np.float32)
    return x / max(1e-9, float(np.sqrt(np.mean(x ** 2))))


@functools.lru_cache(maxsize=None)
def espeak_text_wav(text: str, voice: str = DEFAULT_VOICE, speed: int = 150) -> bytes:
    """WAV bytes of espeak-ng reading ``text`` as it is."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text], check=True, capture_output=True)
        with open(path, "rb") as fh:
            return fh.read()


BABBLE_TEXTS = [
    "the weather was much warmer than anybody had expected for the time of year",
    "please remember to bring the blue folder to the meeting after lunch",
    "she said the train would be late again because of the works on the line",
    "we could walk along the river and look for a place to have a coffee",
    "the children were playing in the garden while their parents talked",
    "my brother bought a new bicycle and rode it all the way to the coast",
    "do you think the shop will still be open when we get there",
    "the report has to be finished by friday or the client will complain",
]
BABBLE_VOICES = ["en-us+m3", "en-us+f3", "en+m7", "en-gb-x-rp+f4", "en-us+m5", "en+f2"]


@functools.lru_cache(maxsize=None)
def babble(seconds: float = 20.0, sr: int = 16000, talkers: int = 5, seed: int = 0) -> np.ndarray:
    """Chatter: ``talkers`` espeak-ng voices reading ordinary sentences (no digits) at once,
    each looped and shifted, unit RMS. The noise of a shop or an office behind the speaker."""
    import random as _random

    rng = _random.Random(seed)
    n = int(seconds * sr)
    out = np.zeros(n, np.float32)
    for k in range(talkers):
        texts = BABBLE_TEXTS[:]
        rng.shuffle(texts)
        wav = espeak_text_wav(". ".join(texts[:4]), BABBLE_VOICES[(k + seed) % len(BABBLE_VOICES)], rng.choice((140, 160, 180)))
        x, xsr = wav_to_array(wav)
        x = _resample(x, xsr, sr)
        x = x / max(1e-9, float(np.sqrt(np.mean(x ** 2))))
        x = np.tile(x, n // len(x) + 2)
        off = rng.randrange(len(x) - n)
        out += x[off:off + n]
    return out / max(1e-9, float(np.sqrt(np.mean(out ** 2))))


def speech_rms(x: np.ndarray, sr: int = 16000) -> float:
    """RMS of the active speech: of the 20 ms frames within 30 dB of the loudest."""
    win = max(1, sr // 50)
    n = len(x) // win
    if n == 0:
        return 0.0
    r = np.sqrt(np.mean(x[: n * win].reshape(n, win) ** 2, axis=1))
    loud = r[r > r.max() * 10 ** (-30 / 20)]
    return float(np.sqrt(np.mean(loud ** 2))) if loud.size else 0.0


def add_noise(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """``x`` plus ``noise`` (looped or cut to length) scaled to ``snr_db`` below the active speech."""
    noise = np.tile(noise, len(x) // len(noise) + 1)[: len(x)]
    scale = speech_rms(x) / max(1e-9, float(np.sqrt(np.mean(noise ** 2)))) * 10 ** (-snr_db / 20)
    return (x + noise * scale).astype(np.float32)


def telephone_band(x: np.ndarray, sr: int = 16000) -> np.ndarray:
    """``x`` down-sampled to 8 kHz and back (what an 8 kHz recording keeps of it)."""
    return _resample(_resample(x, sr, 8000), 8000, sr)


def real_digit(digit: str, speaker: str, take: int, sr: int = 16000) -> np.ndarray:
    """One recorded digit of the Free Spoken Digit Dataset (8 kHz files; tests/data first, then the
    development set in ``shared/data``), resampled to ``sr``."""
    name = f"{digit}_{speaker}_{take}.wav"
    path = next((p for p in (os.path.join(d, name) for d in REAL_DIGITS_DIRS) if os.path.exists(p)),
                os.path.join(REAL_DIGITS_DIRS[0], name))
    with open(path, "rb") as fh:
        x, xsr = wav_to_array(fh.read())
    return _resample(x, xsr, sr)


def audio_video(track: np.ndarray, sr: int = 16000, *, fmt: str = "webm", size: tuple[int, int] = (270, 480),
                fps: int = 10) -> bytes:
    """A video of a still grey-blue frame carrying ``track`` (mono float) as its audio: for
    comparing what each container's audio codec does to the same speech."""
    w, h = size
    frame = np.zeros((h, w, 3), np.uint8) + np.array([90, 100, 120], np.uint8)
    n = max(1, int(round(len(track) / sr * fps)))
    return _encode((frame for _ in range(n)), n, size, fps, track, sr, fmt)


def array_to_wav(x: np.ndarray, sr: int = 16000) -> bytes:
    """Mono float -> 16-bit PCM WAV bytes."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.clip(x * 32767, -32768, 32767).astype(np.int16).tobytes())
    return buf.getvalue()


# ---------------------------------------------------------------- presentation attacks filmed on video

@functools.lru_cache(maxsize=None)
def photo_attack_video(face: str = "astronaut", *, duration: float = 3.0, size: tuple[int, int] = (480, 640),
                       zoom: float = 0.15, pan: tuple[float, float] = (0.06, 0.04), fps: int = 15,
                       fmt: str = "webm", audio: bool = True, face_frac: float = 0.34) -> bytes:
    """A still photograph of ``face`` filmed with a slow zoom (the frame narrows by ``zoom`` of
    its size over the clip) and a slow pan (the window's centre moves by ``pan`` of the frame's
    width/height): everything in the picture moves together, as a printed photo or a screen held
    in front of a moving phone does, and nothing in the face moves on its own (no mouth, no
    blink). ``audio``: a track of room noise (a phone records sound) rather than none."""
    w, h = size
    base = portrait(face, size, face_frac=face_frac)
    n = max(2, int(round(duration * fps)))

    def frames():
        for i in range(n):
            p = i / (n - 1)
            scale = 1.0 - zoom * p  # the window shrinks: the photo grows in the frame
            cw, ch = w * scale, h * scale
            cx = w / 2 + pan[0] * w * (p - 0.5)
            cy = h / 2 + pan[1] * h * (p - 0.5)
            x0 = min(max(0.0, cx - cw / 2), w - cw)
            y0 = min(max(0.0, cy - ch / 2), h - ch)
            crop = Image.fromarray(base).resize((w, h), Image.BICUBIC, box=(x0, y0, x0 + cw, y0 + ch))
            yield np.ascontiguousarray(np.asarray(crop))

    sr = 16000
    track = np.random.default_rng(4).normal(0, 0.003, int(duration * sr) + 1).astype(np.float32) if audio else None
    return _encode(frames(), n, size, fps, track, sr, fmt)


# ---------------------------------------------------------------- talking faces for lip sync ---
#
# ``digit_video`` drives the jaw with the loudness of its own speech: that is also exactly what a
# "still photo whose jaw follows the audio envelope" attack does, so it cannot stand for genuine
# speech when the lip-sync check is measured. The generators below build a reading word by word
# (so every digit's start and end is known) and animate the mouth like articulation: the jaw
# opens a little before each word's sound starts, opens by an amount set by the word's vowels
# (not by how loud it is), is smooth, and closes between words.

# relative jaw opening of each digit word's vowel(s): open /aɪ/ in five and nine, close /iː/ and
# /uː/ in three and two; zero and seven have two syllables
VOWEL_OPENING: dict[str, tuple[float, ...]] = {
    "0": (0.55, 0.45), "1": (0.6,), "2": (0.35,), "3": (0.3,), "4": (0.6,),
    "5": (0.9,), "6": (0.4,), "7": (0.55, 0.35), "8": (0.6,), "9": (0.85,),
}


@functools.lru_cache(maxsize=None)
def _word_audio(digit: str, voice: str, speed: int, sr: int = 16000) -> np.ndarray:
    """One digit word at ``sr``, trimmed to its sound: from espeak-ng (50 dB below the peak), or,
    for ``voice="fsdd:SPEAKER:TAKE"``, the recorded word of the Free Spoken Digit Dataset
    (:func:`real_digit`; 8-kHz recordings with their own noise: 30 dB below the peak)."""
    if voice.startswith("fsdd:"):
        _, speaker, take = voice.split(":")
        x, floor_db = real_digit(digit, speaker, int(take), sr), 30
    else:
        x, src_sr = wav_to_array(speech_wav(digit, voice, speed))
        x, floor_db = _resample(x, src_sr, sr), 50
    loud = np.nonzero(np.abs(x) > np.abs(x).max() * 10 ** (-floor_db / 20))[0]
    return x[loud[0]: loud[-1] + 1] if loud.size else x


@functools.lru_cache(maxsize=None)
def reading(digits: str, voice: str = DEFAULT_VOICE, speed: int = 150, seed: int = 0,
            sr: int = 16000) -> tuple[np.ndarray, tuple[tuple[str, float, float], ...]]:
    """(speech samples at ``sr`` peaking at 0.6, ((digit, start s, end s), ...)): ``digits`` read
    one word at a time with pauses of 0.12-0.40 s drawn from ``seed``; the times are exact.
    ``voice="fsdd:SPEAKER"`` reads recorded words of that speaker (``speed`` unused), each take
    drawn from ``seed`` among ``FSDD_TAKES[SPEAKER]`` (tests/data holds a few, see
    :data:`REAL_DIGITS_DIRS`); ``"fsdd:SPEAKER:TAKE"`` uses that take for every word."""
    rng = np.random.default_rng(seed)
    parts, timings, t = [], [], 0.0
    for k, d in enumerate(digits):
        if k:
            gap = np.zeros(int(rng.uniform(0.12, 0.40) * sr), np.float32)
            parts.append(gap)
            t += len(gap) / sr
        word_voice = voice
        if voice.startswith("fsdd:") and voice.count(":") == 1:
            word_voice = f"{voice}:{int(rng.choice(FSDD_TAKES))}"
        w = _word_audio(d, word_voice, speed, sr) * float(rng.uniform(0.75, 1.0))
        parts.append(w.astype(np.float32))
        timings.append((d, t, t + len(w) / sr))
        t += len(w) / sr
    x = np.concatenate(parts)
    return (x / max(1e-6, np.abs(x).max()) * 0.6).astype(np.float32), tuple(timings)


def articulation(timings, times: np.ndarray, seed: int = 0, lead: tuple[float, float] = (0.04, 0.12)) -> np.ndarray:
    """Jaw opening (0..1) at ``times`` for words spoken at ``timings`` ((digit, start, end)):
    per syllable a smooth bump that starts ``lead`` (40-120 ms, drawn per word) before the word's
    sound (the jaw moves before the voice), peaks at the vowel's opening (:data:`VOWEL_OPENING`)
    times a per-speaker gain and a per-word variation, and closes by the word's end; a small
    residual opening may stay between words. bench/lipsync_sensitivity.py widens ``lead``."""
    rng = np.random.default_rng(seed)
    gain = rng.uniform(0.85, 1.15)
    rest = rng.uniform(0.0, 0.08)
    out = np.zeros(len(times), np.float32)
    for d, start, end in timings:
        word_lead = rng.uniform(*lead)
        a, b = start - word_lead, end - 0.02
        sylls = VOWEL_OPENING[d]
        span = (b - a) / len(sylls)
        for k, peak in enumerate(sylls):
            s0 = a + k * span
            ph = np.clip((times - s0) / span, 0, 1)
            bump = np.sin(np.pi * ph) ** 0.8 * peak * gain * rng.uniform(0.85, 1.15)
            out = np.maximum(out, bump.astype(np.float32))
        inside = (times > a) & (times < b)
        out[inside] = np.maximum(out[inside], rest)
    return np.clip(out, 0, 1)


def onset_mouth(audio: np.ndarray, sr: int, times: np.ndarray, seed: int = 0) -> np.ndarray:
    """Jaw opening (0..1) at ``times`` driven by the syllables found in ``audio`` itself, a
    second mouth model that shares nothing with :func:`articulation` (used to measure the lip
    check on talking faces its constants were not tuned on): no word timings, no vowel table.

    Syllable nuclei are the peaks of the 300-2500 Hz band's level (10 ms steps, smoothed over
    50 ms) at least 15 dB above the noise floor and 6 dB above the dips on either side; each
    sets a target opening of random amplitude (0.35-1.0) from before its onset (where the level
    rises to within 12 dB of the peak: by 0-80 ms for the clip plus 0-100 ms for each syllable)
    to where it falls 12 dB below it. The jaw
    follows the targets through a critically damped second-order lag (time constant 30-70 ms),
    rests 0-0.1 open and drifts a little (a slow random walk, +-0.04)."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import butter, find_peaks, sosfilt

    rng = np.random.default_rng(seed)
    band = sosfilt(butter(4, (300, 2500), "bandpass", fs=sr, output="sos"), audio)
    hop = sr // 100
    n = len(band) // hop
    db = 20 * np.log10(np.maximum(np.sqrt(np.mean(band[: n * hop].reshape(n, hop) ** 2, axis=1)), 1e-7))
    db = uniform_filter1d(db, 5)
    floor = float(np.percentile(db, 10))
    peaks, _ = find_peaks(db, height=floor + 15, prominence=6, distance=12)
    target = np.zeros(n)
    lead_k = int(round(rng.uniform(0.0, 0.08) * 100))
    for p in peaks:
        on = p
        while on > 0 and db[on - 1] > db[p] - 12:
            on -= 1
        off = p
        while off < n - 1 and db[off + 1] > db[p] - 12:
            off += 1
        a = max(0, on - lead_k - int(rng.integers(0, 11)))
        target[a:off + 1] = np.maximum(target[a:off + 1], rng.uniform(0.35, 1.0))
    tau = rng.uniform(0.03, 0.07) * 100  # in 10 ms steps
    jaw, vel = np.zeros(n), 0.0
    x = 0.0
    for k in range(n):  # x'' = (target - x) / tau^2 - 2 x' / tau, one 10 ms step at a time
        vel += (target[k] - x) / tau ** 2 - 2 * vel / tau
        x += vel
        jaw[k] = x
    drift = np.cumsum(rng.normal(0, 0.004, n))
    jaw = jaw + rng.uniform(0.0, 0.1) + np.clip(drift - drift.mean(), -0.04, 0.04)
    return np.clip(np.interp(times * 100, np.arange(n), jaw), 0, 1).astype(np.float32)


def _head_motion(img: np.ndarray, t: float, seed: int) -> np.ndarray:
    """``img`` moved as a hand-held phone and a living head move it: translations of up to
    ~10 px, a roll of up to ~3 degrees and a scale change of up to ~3 %, each a sum of two slow
    sines with phases and rates from ``seed``."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.2, 1.2, (4, 2))
    ph = rng.uniform(0, 2 * np.pi, (4, 2))
    amp = np.array([6.0, 5.0, 2.0, 0.02]) * rng.uniform(0.6, 1.2, 4)
    dx, dy, roll, zoom = (amp[k] * 0.5 * np.sin(2 * np.pi * f[k] * t + ph[k]).sum() for k in range(4))
    h, w = img.shape[:2]
    c, s = math.cos(math.radians(roll)) / (1 + zoom), math.sin(math.radians(roll)) / (1 + zoom)
    cx, cy = w / 2, h / 2
    # output (x, y) samples input (a x + b y + c0, d x + e y + f0): rotation and scale about the centre
    coeffs = (c, s, cx - c * cx - s * cy - dx, -s, c, cy + s * cx - c * cy - dy)
    return np.asarray(Image.fromarray(img).transform((w, h), Image.AFFINE, coeffs, Image.BILINEAR, fillcolor=(150, 160, 170)))


def talking_face_ok(face: str, size: tuple[int, int] = (480, 640), face_frac: float = 0.38,
                    center: tuple[float, float] = (0.5, 0.42)) -> bool:
    """Whether dlib finds ``face`` in its :func:`talking_clip` portrait (a few ``lfw_subset``
    faces found on their own canvas are lost once scaled into a 480x640 frame)."""
    try:
        _mouth_geometry(face, size, face_frac, center)
        return True
    except ValueError:
        return False


@functools.lru_cache(maxsize=None)
def talking_clip(digits: str, *, voice: str = DEFAULT_VOICE, speed: int = 150, seed: int = 0,
                 face: str = "astronaut", mouth: str = "articulated", mouth_reading: tuple | None = None,
                 mouth_lag: float = 0.0, lead_in: float = 0.5, mouth_lead_in: float | None = None,
                 duration: float = 4.0, size: tuple[int, int] = (480, 640), fps: int = 15,
                 fmt: str = "webm", face_frac: float = 0.38, center: tuple[float, float] = (0.5, 0.42),
                 head_motion: bool = False, mouth_lead: tuple[float, float] | None = None) -> bytes:
    """A ``duration``-s clip of ``face`` with the audio of :func:`reading` (``digits``, ``voice``,
    ``speed``, ``seed``) starting at ``lead_in`` s. What the mouth does:

    * ``mouth="articulated"``: :func:`articulation` of the reading heard (genuine speech), or of
      ``mouth_reading`` = (digits, voice, speed, seed) placed at ``mouth_lead_in`` s: the same
      face animated by another reading while this audio is laid over it (dubbing);
    * ``mouth="onsets"``: :func:`onset_mouth` of the audio heard, or of ``mouth_reading``'s
      audio placed at ``mouth_lead_in`` s (the second mouth model, for dubbing as well);
    * ``mouth="envelope"``: the jaw follows the loudness of the audio heard (a still photo
      puppeted by the audio envelope, as :func:`digit_video` animates);
    * ``mouth="still"``: a still photo with the speech.

    ``mouth_lag`` delays (positive) or advances (negative) the mouth against the audio.
    ``mouth_lead`` = (lo, hi) s: the range :func:`articulation` draws each word's jaw lead from
    (articulated mouth only; None: articulation's default, 40-120 ms).
    ``face_frac`` and ``center`` place the face (:func:`portrait`); ``head_motion`` replaces the
    small sway by :func:`_head_motion` (translation, roll and scale drawn from ``seed``).
    """
    sr = 16000
    speech, timings = reading(digits, voice, speed, seed, sr)
    n = int(round(duration * fps))
    track = np.zeros(int(duration * sr) + 1, np.float32)
    start = int(lead_in * sr)
    seg = speech[: max(0, len(track) - start)]
    track[start:start + len(seg)] = seg
    track += np.random.default_rng(seed + 1).normal(0, 0.002, len(track)).astype(np.float32)
    times = np.arange(n) / fps - mouth_lag
    lead_kw = {} if mouth_lead is None else {"lead": (float(mouth_lead[0]), float(mouth_lead[1]))}
    if mouth == "articulated":
        if mouth_reading is None:
            heard = [(d, s + lead_in, e + lead_in) for d, s, e in timings]
            drive = articulation(heard, times, seed, **lead_kw)
        else:
            md, mv, msp, mseed = mouth_reading
            _, mt = reading(md, mv, msp, mseed, sr)
            off = lead_in if mouth_lead_in is None else mouth_lead_in
            drive = articulation([(d, s + off, e + off) for d, s, e in mt], times, mseed, **lead_kw)
    elif mouth == "onsets":
        if mouth_reading is None:
            drive = onset_mouth(track, sr, times, seed)
        else:
            md, mv, msp, mseed = mouth_reading
            other, _ = reading(md, mv, msp, mseed, sr)
            off = int((lead_in if mouth_lead_in is None else mouth_lead_in) * sr)
            mtrack = np.zeros_like(track)
            mseg = other[: max(0, len(mtrack) - off)]
            mtrack[off:off + len(mseg)] = mseg
            mtrack += np.random.default_rng(mseed).normal(0, 0.002, len(mtrack)).astype(np.float32)
            drive = onset_mouth(mtrack, sr, times, mseed)
    elif mouth == "envelope":
        drive = _envelope(track, sr, times)
    elif mouth == "still":
        drive = np.zeros(n, np.float32)
    else:
        raise ValueError(f"unknown mouth {mouth!r}")
    base = portrait(face, size, face_frac=face_frac, center=center)
    geo = _mouth_geometry(face, size, face_frac, center)

    def frames():
        for i in range(n):
            img = open_mouth(base, geo, float(drive[i]) * 0.32 * geo[4])
            if head_motion:
                yield np.ascontiguousarray(_head_motion(img, i / fps, seed))
                continue
            dx = int(round(2 * math.sin(i / fps * 2.1)))
            dy = int(round(1.5 * math.sin(i / fps * 1.3 + 1)))
            yield np.ascontiguousarray(np.roll(img, (dy, dx), axis=(0, 1)))

    return _encode(frames(), n, size, fps, track, sr, fmt)
