"""A seeded set of simulated presentation attacks and bona fide photos for the selfie check.

Built here, independently of the checks it measures (no threshold of the engine is read).
``build(seed)`` returns :class:`Sample` items; the same seed always gives the same bytes.
bench/engine.py tunes on seeds 1 and 3 and reports on seeds 4 and 11-13 (held out); tests use single samples.

Attack kinds (each re-photographed through :func:`camera`: resampling, slight blur, sensor noise,
JPEG, the same pipeline the bona fide photos go through):

* ``print_tilted``: a glossy print held up in front of a room, its four edges visible, tilted by
  a random angle that is a whole, half or arbitrary number of degrees (within ±6);
* ``print_matte``: a matte print filling the frame (no edges): lower contrast, lifted blacks,
  paper texture, a little less colour;
* ``print_faded``: a faded print, saturation x0.4, lifted blacks;
* ``screen_moire_light`` / ``screen_moire_strong``: a screen filmed, pixel-grid beat patterns of
  3-5 % / 10-18 % amplitude, screen gamma and colour cast, sometimes with the device bezel;
* ``cartoon``: the photo through a cartoon filter (smoothed, posterised colours, dark outlines);
* ``drawn``: a simple drawing: egg-shaped head, two eyes, a smile (brows and a nose sometimes);
* ``group_cut``: a face cut from a group photo (faces ~40-55 px there), enlarged to selfie size.

Bona fide kinds: ``real_plain`` (the astronaut photo as shot), ``real_scene`` (the astronaut photo
with a flag pole, curtain edges or a door frame painted beside her), ``real_graded`` (colour-graded
stills: teal-orange, desaturated x0.6-0.8, warm, cool or faded film, the grade applied to the
captured picture, after the sensor's noise: see :func:`camera`), ``real_phone`` (the astronaut
photo through varied phone captures: framing, mirrored, side light, exposure, white balance
2700-7500 K, heavier noise with chroma noise, slight focus blur, JPEG 60-95, 480x640 to 900x1200;
see :func:`phone_camera`), ``real_skin`` (the same with the skin re-toned darker, olive or lighter,
see :func:`skin_tone`), ``real_filtered`` (a ``real_phone`` capture with one of the five grades
applied to it), ``real_lfw`` (lfw_subset faces: real people, but 25-px grey sources upscaled and
tinted: reported apart, they are not phone-quality photos).

Before the dark-floor change (docs/engine.md) ``real_graded`` graded the scene before the camera,
i.e. a graded picture photographed again (a print or a screen): not a filtered capture.
"""
from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tests import mediagen

ATTACK_KINDS = ("print_tilted", "print_matte", "print_faded", "screen_moire_light", "screen_moire_strong",
                "cartoon", "drawn", "group_cut")
REAL_KINDS = ("real_plain", "real_scene", "real_graded", "real_phone", "real_skin", "real_lfw", "real_filtered")
SIZE = (600, 800)


@dataclass(frozen=True)
class Sample:
    kind: str
    attack: bool
    name: str
    jpeg: bytes


# ------------------------------------------------------------------ building blocks ----

@functools.lru_cache(maxsize=1)
def _usable_lfw() -> list[str]:
    return mediagen.usable_lfw_faces()


def camera(rgb: np.ndarray, rng: np.random.Generator, size: tuple[int, int] = SIZE,
           post: Callable[[np.ndarray], np.ndarray] | None = None) -> bytes:
    """A phone camera taking the picture: resampled to ``size``, slight optical blur, sensor noise
    (clipped to 0..255), ``post`` if given (a filter or grade applied to the captured picture,
    its noise included, as a phone or editor does), JPEG 80-92."""
    im = Image.fromarray(rgb).resize(size, Image.BICUBIC)
    im = im.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 0.8))))
    a = np.asarray(im, np.float32) + rng.normal(0, rng.uniform(1.5, 3.5), (size[1], size[0], 1))
    return _shot_jpeg(a, rng, post, (80, 93))


def _shot_jpeg(a: np.ndarray, rng: np.random.Generator, post: Callable[[np.ndarray], np.ndarray] | None,
               quality: tuple[int, int]) -> bytes:
    """The sensor's values clipped to 0..255, then ``post`` (a filter on the captured picture),
    then JPEG at a quality drawn from ``quality`` (low inclusive, high exclusive)."""
    shot = np.clip(a, 0, 255).astype(np.uint8)
    if post is not None:
        shot = post(shot)
    buf = io.BytesIO()
    Image.fromarray(shot).save(buf, "JPEG", quality=int(rng.integers(*quality)))
    return buf.getvalue()


def phone_camera(rgb: np.ndarray, rng: np.random.Generator,
                 post: Callable[[np.ndarray], np.ndarray] | None = None) -> bytes:
    """A wider range of genuine captures than :func:`camera`: sizes 480x640 to 900x1200, sometimes
    landscape-cropped to 3:4 anyway, optical blur 0.3-1.1 px (a slightly missed focus), luminance
    noise 1.5-6 plus chroma noise (small sensors in dim light), ``post`` (a filter, as in
    :func:`camera`), and JPEG quality 60-95."""
    w = int(rng.choice([480, 600, 720, 900]))
    size = (w, w * 4 // 3)
    im = Image.fromarray(rgb).resize(size, Image.BICUBIC)
    im = im.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 1.1))))
    sigma = float(rng.uniform(1.5, 6.0))
    a = (np.asarray(im, np.float32) + rng.normal(0, sigma, (size[1], size[0], 1))
         + rng.normal(0, sigma * rng.uniform(0.2, 0.6), (size[1], size[0], 3)))
    return _shot_jpeg(a, rng, post, (60, 96))


def lighting(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light as it falls in a room: exposure x0.75-1.2, a white balance between warm tungsten and
    cool shade (channel gains in linear light), and a side light (a horizontal gain gradient of
    up to 35 % across the picture, from either side)."""
    a = (rgb.astype(np.float32) / 255) ** 2.2
    kelvin = float(rng.uniform(-1, 1))  # -1 tungsten (warm), +1 shade (cool)
    gains = np.array([1 - 0.18 * kelvin, 1.0, 1 + 0.22 * kelvin], np.float32)
    w = rgb.shape[1]
    side = np.linspace(-1, 1, w, dtype=np.float32)[None, :, None] * rng.choice([-1, 1])
    a = a * gains * (1 + float(rng.uniform(0, 0.35)) * side) * float(rng.uniform(0.75, 1.2)) ** 2.2
    return (np.clip(a, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)


SKIN_TONES = {  # linear-light gains for the skin, per (R, G, B): more melanin absorbs blue and green most
    "darker": ((0.30, 0.50), (0.22, 0.40), (0.18, 0.34)),
    "olive": ((0.70, 0.85), (0.68, 0.82), (0.55, 0.70)),
    "lighter": ((1.05, 1.15), (1.08, 1.2), (1.1, 1.25)),
}


def skin_tone(rgb: np.ndarray, tone: str, face: tuple[float, float, float], rng: np.random.Generator) -> np.ndarray:
    """The skin of a portrait re-toned: pixels within an ellipse around the face (``face`` = centre
    x, centre y, face width; 0.75 x 1.0 face widths) whose chroma is skin-like (YCbCr Cb 77-127,
    Cr 133-173), the mask softened over 4 px, are multiplied in linear light by per-channel gains
    of ``tone`` (:data:`SKIN_TONES`); background, clothes and most of the hair keep their colour.
    An approximation of other complexions, not a substitute for photos of other people."""
    a = rgb.astype(np.float32)
    cx, cy, fw = face
    yy, xx = np.mgrid[0:a.shape[0], 0:a.shape[1]]
    near = np.hypot((xx - cx) / (0.75 * fw), (yy - cy - 0.1 * fw) / fw) < 1
    y = a @ np.array([0.299, 0.587, 0.114], np.float32)
    cb = 128 + (a[..., 2] - y) * 0.564
    cr = 128 + (a[..., 0] - y) * 0.713
    mask = (near & (cb > 77) & (cb < 127) & (cr > 133) & (cr < 173) & (y > 40)).astype(np.float32)
    mask = np.asarray(Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(4)), np.float32) / 255
    gains = np.array([rng.uniform(*r) for r in SKIN_TONES[tone]], np.float32)
    lin = (a / 255) ** 2.2
    toned = np.clip(lin * gains, 0, 1) ** (1 / 2.2) * 255
    return np.clip(a + (toned - a) * mask[..., None], 0, 255).astype(np.uint8)


def room(w: int, h: int, rng: np.random.Generator, feature: str = "wall") -> np.ndarray:
    """A room background: wall gradient with soft blotches, and optionally a ``pole`` (a thin
    vertical flag pole beside the subject), ``curtain`` (folds with sharp vertical edges) or
    ``door`` (a door frame: two verticals and a lintel)."""
    bg = mediagen._background(w, h, seed=int(rng.integers(1_000_000))).astype(np.float32)
    tint = rng.uniform(0.85, 1.15, 3)
    bg = np.clip(bg * tint, 0, 255)
    im = Image.fromarray(bg.astype(np.uint8))
    d = ImageDraw.Draw(im)
    if feature == "pole":
        x = int(w * rng.choice([rng.uniform(0.08, 0.22), rng.uniform(0.78, 0.92)]))
        d.rectangle((x, 0, x + max(3, w // 90), h), fill=(int(rng.integers(60, 200)),) * 3)
        d.polygon([(x + 6, int(h * 0.05)), (x + 6 + w // 5, int(h * 0.08)), (x + 6 + w // 5, int(h * 0.3)),
                   (x + 6, int(h * 0.27))], fill=(180, 30, 40))
    elif feature == "curtain":
        for side in (0, 1):
            x0 = int(w * rng.uniform(0.05, 0.2)) if side == 0 else int(w * rng.uniform(0.8, 0.95))
            base = rng.uniform(90, 200, 3)
            xs = range(x0) if side == 0 else range(x0, w)
            for x in xs:
                f = 0.75 + 0.25 * math.sin(x / w * 60)
                d.line((x, 0, x, h), fill=tuple(int(c * f) for c in base))
    elif feature == "door":
        x0, x1 = int(w * rng.uniform(0.08, 0.18)), int(w * rng.uniform(0.82, 0.92))
        y0 = int(h * rng.uniform(0.04, 0.12))
        col = tuple(int(c) for c in rng.uniform(180, 240, 3))
        d.rectangle((x0 - 12, y0 - 12, x1 + 12, h), fill=col)
        d.rectangle((x0, y0, x1, h), fill=tuple(int(c) for c in rng.uniform(80, 140, 3)))
    return np.asarray(im)


def astronaut_portrait(rng: np.random.Generator, w: int, h: int, background: np.ndarray | None = None) -> np.ndarray:
    return _astronaut_placed(rng, w, h, background)[0]


def _astronaut_placed(rng: np.random.Generator, w: int, h: int, background: np.ndarray | None = None):
    """(image, (face centre x, face centre y, face width)) of the astronaut at a random framing."""
    frac = float(rng.uniform(0.3, 0.46))
    center = (float(rng.uniform(0.44, 0.56)), float(rng.uniform(0.38, 0.46)))
    img = mediagen.portrait("astronaut", (w, h), face_frac=frac, center=center, background=background)
    return img, (center[0] * w, center[1] * h, frac * w)


def paint_scene(img: np.ndarray, feature: str, face: tuple[float, float, float], rng: np.random.Generator) -> np.ndarray:
    """Paint a background object beside the face of a real photo: a ``pole`` (a thin vertical
    flag pole on one side, from the top to below the chin), ``curtain`` (curtains with folds
    hanging at both edges, sharp vertical inner edges) or ``door`` (a door frame around the
    person: two jambs and a lintel above the head)."""
    h, w = img.shape[:2]
    cx, cy, fw = face
    im = Image.fromarray(img)
    d = ImageDraw.Draw(im)
    if feature == "pole":
        side = rng.choice([-1, 1])
        x = int(np.clip(cx + side * fw * rng.uniform(0.9, 1.4), 10, w - 20))
        grey = int(rng.integers(50, 210))
        d.rectangle((x, 0, x + max(3, w // 90), int(cy + fw * rng.uniform(1.0, 2.0))), fill=(grey, grey, grey + 5))
    elif feature == "curtain":
        base = rng.uniform(60, 200, 3)
        for side in (-1, 1):
            edge = cx + side * fw * rng.uniform(0.95, 1.3)
            xs = range(int(max(1, edge))) if side < 0 else range(int(min(w - 1, edge)), w)
            for x in xs:
                f = 0.75 + 0.25 * math.sin(x / w * 70)
                d.line((x, 0, x, h), fill=tuple(int(c * f) for c in base))
    elif feature == "door":
        col = tuple(int(c) for c in rng.uniform(170, 240, 3))
        x0, x1 = cx - fw * rng.uniform(0.95, 1.3), cx + fw * rng.uniform(0.95, 1.3)
        y0 = cy - fw * rng.uniform(1.0, 1.4)
        t = max(6, int(fw * 0.08))
        d.rectangle((x0 - t, max(0, y0 - t), x0, h), fill=col)
        d.rectangle((x1, max(0, y0 - t), x1 + t, h), fill=col)
        d.rectangle((x0 - t, max(0, y0 - t), x1 + t, max(1, y0)), fill=col)
    return np.asarray(im)


def saturate(rgb: np.ndarray, factor: float) -> np.ndarray:
    a = rgb.astype(np.float32)
    g = a @ np.array([0.299, 0.587, 0.114], np.float32)
    return np.clip(g[..., None] + (a - g[..., None]) * factor, 0, 255).astype(np.uint8)


def print_tone(rgb: np.ndarray, contrast: float, black: float, sat: float) -> np.ndarray:
    """Ink on paper: contrast squeezed towards the paper white, blacks lifted, colour reduced."""
    a = saturate(rgb, sat).astype(np.float32)
    return np.clip(black + a * contrast * (245 - black) / 255, 0, 255).astype(np.uint8)


def tilted_print(photo: np.ndarray, scene: np.ndarray, angle: float, rng: np.random.Generator) -> np.ndarray:
    """``photo`` printed with a white margin, rotated by ``angle`` degrees and held in front of
    ``scene`` so that its four edges are visible (the print covers ~55-70 % of the width)."""
    h, w = scene.shape[:2]
    pw = int(w * rng.uniform(0.55, 0.7))
    ph = int(pw * photo.shape[0] / photo.shape[1])
    pr = Image.fromarray(photo).resize((pw, ph), Image.LANCZOS)
    m = int(pw * rng.uniform(0.03, 0.07))
    paper = Image.new("RGB", (pw + 2 * m, ph + 2 * m), tuple(int(c) for c in rng.uniform(228, 250, 3)))
    paper.paste(pr, (m, m))
    mask = Image.new("L", paper.size, 255)
    paper = paper.rotate(angle, resample=Image.BICUBIC, expand=True)
    mask = mask.rotate(angle, resample=Image.BICUBIC, expand=True)
    out = Image.fromarray(scene)
    x = (w - paper.width) // 2 + int(rng.integers(-w // 20, w // 20 + 1))
    y = (h - paper.height) // 2 + int(rng.integers(-h // 25, h // 25 + 1))
    out.paste(paper, (x, y), mask)
    a = np.asarray(out, np.float32)
    yy = np.linspace(0, 1, h)[:, None, None]
    return np.clip(a * (0.92 + 0.12 * (1 - yy)), 0, 255).astype(np.uint8)  # light falling off


def moire(rgb: np.ndarray, amplitude: float, rng: np.random.Generator) -> np.ndarray:
    period = float(rng.uniform(4.0, 9.0))
    angle = float(rng.uniform(5, 40))
    return mediagen._moire(rgb, amplitude=amplitude, period=period, angle=angle)


def screen_look(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An LCD filmed: gamma a little off, a blue or green cast, slight glare."""
    a = (rgb.astype(np.float32) / 255) ** rng.uniform(0.85, 1.1) * 255
    a = a * np.array([rng.uniform(0.9, 1.0), rng.uniform(0.95, 1.03), rng.uniform(1.0, 1.1)], np.float32)
    return np.clip(a + rng.uniform(0, 15), 0, 255).astype(np.uint8)


def cartoon(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cartoon filter: edge-preserving smoothing (median), colours posterised to a few levels,
    dark outlines where the smoothed image has strong edges."""
    im = Image.fromarray(rgb).filter(ImageFilter.MedianFilter(int(rng.choice([5, 7]))))
    levels = int(rng.integers(4, 7))
    a = np.asarray(im, np.float32)
    a = np.round(a / 255 * (levels - 1)) / (levels - 1) * 255
    g = np.asarray(im.convert("L").filter(ImageFilter.FIND_EDGES), np.float32)
    a[g > rng.uniform(25, 45)] = 20
    return np.clip(a, 0, 255).astype(np.uint8)


def drawn_face(rng: np.random.Generator, w: int = 600, h: int = 800) -> np.ndarray:
    """A simple drawing: paper or a coloured wall, an egg-shaped head (skin colour or outline
    only), two eyes, a smile; brows, a nose and hair sometimes."""
    bgc = tuple(int(c) for c in rng.uniform(200, 250, 3)) if rng.random() < 0.6 else tuple(int(c) for c in rng.uniform(100, 200, 3))
    im = Image.new("RGB", (w, h), bgc)
    d = ImageDraw.Draw(im)
    hw = w * rng.uniform(0.2, 0.3)
    hh = hw * rng.uniform(1.25, 1.45)
    cx, cy = w / 2 + rng.uniform(-30, 30), h * rng.uniform(0.4, 0.5)
    skin = tuple(int(c) for c in (rng.uniform(190, 245), rng.uniform(150, 200), rng.uniform(120, 170)))
    line = int(rng.integers(3, 8))
    ink = tuple(int(c) for c in rng.uniform(0, 60, 3))
    pts = []
    for t in np.linspace(0, 2 * np.pi, 120):  # an egg: the lower half (sin t > 0) narrower
        pts.append((cx + hw * math.cos(t) * (1 - 0.15 * max(0.0, math.sin(t))), cy + hh * math.sin(t)))
    d.polygon(pts, fill=skin if rng.random() < 0.75 else bgc, outline=ink, width=line)
    if rng.random() < 0.5:  # hair
        d.chord((cx - hw, cy - hh * 1.05, cx + hw, cy - hh * 0.1), 180, 360, fill=tuple(int(c) for c in rng.uniform(20, 120, 3)))
    ey = cy - hh * rng.uniform(0.05, 0.2)
    ex = hw * rng.uniform(0.32, 0.45)
    er = hw * rng.uniform(0.08, 0.16)
    for sx in (-1, 1):
        if rng.random() < 0.5:
            d.ellipse((cx + sx * ex - er * 1.4, ey - er, cx + sx * ex + er * 1.4, ey + er), fill=(250, 250, 250), outline=ink, width=2)
        d.ellipse((cx + sx * ex - er * 0.6, ey - er * 0.6, cx + sx * ex + er * 0.6, ey + er * 0.6), fill=ink)
        if rng.random() < 0.6:  # brow
            d.arc((cx + sx * ex - er * 2, ey - er * 3.2, cx + sx * ex + er * 2, ey - er * 0.8), 200, 340, fill=ink, width=line)
    if rng.random() < 0.6:  # nose
        d.line((cx, ey + er, cx - er, ey + hh * 0.35, cx + er * 0.5, ey + hh * 0.38), fill=ink, width=line)
    mw = hw * rng.uniform(0.35, 0.6)
    my = cy + hh * rng.uniform(0.3, 0.5)
    d.arc((cx - mw, my - mw * 0.6, cx + mw, my + mw * 0.4), 20, 160, fill=ink, width=line + 1)
    return np.asarray(im)


def group_cut(rng: np.random.Generator) -> np.ndarray:
    """Four people side by side (the astronaut and three lfw faces, ~55-70 px faces), and the
    astronaut's face cut out of that picture and enlarged to selfie size."""
    names = ["astronaut"] + [str(n) for n in rng.choice(_usable_lfw()[:40], 3, replace=False)]
    rng.shuffle(names)
    tile_w = int(rng.integers(95, 140))
    tiles = [mediagen.portrait(n, (tile_w, int(tile_w * 1.3)), face_frac=0.4) for n in names]
    group = np.hstack(tiles)
    k = names.index("astronaut")
    x0 = k * tile_w
    crop = group[:, x0:x0 + tile_w]
    crop = crop[:, :int(crop.shape[0] * 0.75)] if crop.shape[1] > crop.shape[0] * 0.75 else crop
    return np.ascontiguousarray(crop)


# ------------------------------------------------------------------------- the set ----

def _attack(kind: str, rng: np.random.Generator) -> np.ndarray:
    w, h = SIZE
    if kind == "print_tilted":
        photo = astronaut_portrait(rng, 480, 640)
        photo = print_tone(photo, rng.uniform(0.85, 0.95), rng.uniform(8, 20), rng.uniform(0.85, 1.0))
        step = rng.choice(["whole", "half", "any"])
        mag = {"whole": float(rng.integers(0, 7)), "half": float(rng.integers(0, 6)) + 0.5, "any": float(rng.uniform(0, 6))}[step]
        angle = mag * rng.choice([-1, 1])
        return tilted_print(photo, room(w, h, rng, str(rng.choice(["wall", "door", "wall"]))), angle, rng)
    if kind == "print_matte":
        photo = astronaut_portrait(rng, w, h)
        photo = print_tone(photo, rng.uniform(0.75, 0.88), rng.uniform(18, 35), rng.uniform(0.75, 0.9))
        grain = rng.normal(0, rng.uniform(2, 5), (h, w, 1))
        paper = np.asarray(Image.fromarray(np.clip(128 + grain[..., 0] * 4, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2)), np.float32)
        a = photo.astype(np.float32) + (paper[..., None] - 128) * 0.25
        return np.asarray(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8)))
    if kind == "print_faded":
        photo = astronaut_portrait(rng, w, h)
        return print_tone(photo, rng.uniform(0.8, 0.92), rng.uniform(20, 40), 0.4)
    if kind in ("screen_moire_light", "screen_moire_strong"):
        photo = screen_look(astronaut_portrait(rng, w, h), rng)
        if rng.random() < 0.35:
            photo = mediagen._phone_frame(photo)
        amp = rng.uniform(0.03, 0.05) if kind.endswith("light") else rng.uniform(0.10, 0.18)
        return moire(photo, float(amp), rng)
    if kind == "cartoon":
        return cartoon(astronaut_portrait(rng, w, h), rng)
    if kind == "drawn":
        return drawn_face(rng, w, h)
    if kind == "group_cut":
        return group_cut(rng)
    raise ValueError(kind)


GRADES = ("teal_orange", "desaturated", "warm", "cool", "faded_film")


def grade(rgb: np.ndarray, how: str, rng: np.random.Generator) -> np.ndarray:
    """Colour grading of a real still, as phone filters and editors apply it."""
    a = rgb.astype(np.float32)
    if how == "teal_orange":
        lum = a.mean(axis=2, keepdims=True) / 255
        a = a + (lum - 0.5) * np.array([40, 5, -40], np.float32) + (0.5 - lum) * np.array([-20, 10, 25], np.float32)
        a = saturate(np.clip(a, 0, 255).astype(np.uint8), rng.uniform(0.7, 0.9)).astype(np.float32)
    elif how == "desaturated":
        a = saturate(rgb, rng.uniform(0.6, 0.8)).astype(np.float32)
    elif how == "warm":
        a = a * np.array([1.08, 1.0, 0.85], np.float32)
    elif how == "cool":
        a = a * np.array([0.88, 0.98, 1.1], np.float32)
    elif how == "faded_film":
        a = saturate(rgb, rng.uniform(0.65, 0.8)).astype(np.float32) * 0.85 + 25
    return np.clip(a, 0, 255).astype(np.uint8)


def _real(kind: str, rng: np.random.Generator, index: int) -> np.ndarray:
    w, h = SIZE
    if kind in ("real_plain", "real_graded"):  # real_graded: graded after the capture, see sample()
        img = astronaut_portrait(rng, w, h)
    elif kind == "real_scene":
        img, face = _astronaut_placed(rng, w, h)
        img = paint_scene(img, ("pole", "curtain", "door", "pole")[index % 4], face, rng)
    elif kind in ("real_phone", "real_skin", "real_filtered"):
        frac = float(rng.uniform(0.3, 0.46))  # as real_plain: smaller faces show the photo's mirrored padding
        center = (float(rng.uniform(0.42, 0.58)), float(rng.uniform(0.38, 0.47)))
        img = mediagen.portrait("astronaut", (w, h), face_frac=frac, center=center)
        if kind == "real_skin":
            img = skin_tone(img, tuple(SKIN_TONES)[index % len(SKIN_TONES)], (center[0] * w, center[1] * h, frac * w), rng)
        img = lighting(img[:, ::-1] if rng.random() < 0.5 else img, rng)
        return np.ascontiguousarray(img)
    elif kind == "real_lfw":
        usable = _usable_lfw()
        name = usable[(index * 7 + int(rng.integers(0, 7))) % len(usable)]
        img = mediagen.portrait(name, (w, h), face_frac=float(rng.uniform(0.32, 0.42)), background=room(w, h, rng))
    else:
        raise ValueError(kind)
    return np.clip(img.astype(np.float32) * rng.uniform(0.85, 1.15), 0, 255).astype(np.uint8)


def tilted_print_jpeg(angle: float, seed: int = 0) -> bytes:
    """One print of the astronaut with its four edges visible, tilted by exactly ``angle``
    degrees, in front of a plain wall (for tests of the border check)."""
    rng = np.random.default_rng([seed, 99])
    w, h = SIZE
    photo = print_tone(mediagen.portrait("astronaut", (480, 640), face_frac=0.4), 0.9, 12, 0.95)
    return camera(tilted_print(photo, room(w, h, rng), angle, rng), rng)


def real_scene_jpeg(feature: str, seed: int = 0) -> bytes:
    """The astronaut photo with ``feature`` painted beside her (see :func:`paint_scene`)."""
    rng = np.random.default_rng([seed, 98])
    img, face = _astronaut_placed(rng, *SIZE)
    return camera(paint_scene(img, feature, face, rng), rng)


def sample(kind: str, seed: int, index: int) -> Sample:
    """One sample, reproducible from (kind, seed, index)."""
    key = (ATTACK_KINDS + REAL_KINDS).index(kind)
    rng = np.random.default_rng([seed, key, index])
    attack = kind in ATTACK_KINDS
    rgb = _attack(kind, rng) if attack else _real(kind, rng, index)
    how = GRADES[index % len(GRADES)]  # real_graded, real_filtered: graded after the capture
    post = (lambda shot: grade(shot, how, rng)) if kind in ("real_graded", "real_filtered") else None
    shoot = phone_camera if kind in ("real_phone", "real_skin", "real_filtered") else camera
    jpeg = shoot(rgb, rng, post=post)
    return Sample(kind, attack, f"{kind}#{seed}.{index}", jpeg)


@functools.lru_cache(maxsize=4)
def build(seed: int, per_attack: int = 12, per_real: int = 12) -> tuple[Sample, ...]:
    """The whole set for one seed: ``per_attack`` of each attack kind, ``per_real`` of each
    bona fide kind."""
    out = [sample(k, seed, i) for k in ATTACK_KINDS for i in range(per_attack)]
    out += [sample(k, seed, i) for k in REAL_KINDS for i in range(per_real)]
    return tuple(out)
