"""Static (single-image) liveness: face presence and quality checks plus presentation-attack cues."""
from __future__ import annotations

import numpy as np

from . import codes, faces, pad
from .imaging import DecodeError, decode_image, encode_jpeg, limit_size
from .results import EngineResult, Scorer, failure, ramp

# ---- thresholds (documented in docs/engine.md; changing one means re-running bench/engine.py)
FACE_MIN_PX = 60          # below: hard FACE_TOO_SMALL (landmarks and texture are unreliable)
FACE_GOOD_PX = 120        # below: soft FACE_TOO_SMALL, penalty up to 30 at FACE_MIN_PX
YAW_PITCH_OK, YAW_PITCH_BAD, YAW_PITCH_MAX = 25.0, 45.0, 35.0
ROLL_OK, ROLL_BAD, ROLL_MAX = 20.0, 40.0, 20.0
SHARP_OK, SHARP_BAD, SHARP_MAX = 50.0, 20.0, 40.0
DARK_OK, DARK_BAD = 75.0, 30.0
BRIGHT_OK, BRIGHT_BAD = 200.0, 240.0
EXPOSURE_MAX = 35.0
CLIP_OK, CLIP_BAD, CLIP_MAX = 0.10, 0.40, 20.0
ASPECT_IDEAL, ASPECT_OK, ASPECT_BAD, ASPECT_MAX = 0.75, 0.08, 0.25, 10.0
MOIRE_OK, MOIRE_BAD, MOIRE_MAX = 14.0, 22.0, 50.0
HALFTONE_MIN_FREQ = 0.30  # cycles/pixel: finer periodic patterns are read as a print dot screen
SAT_OK, SAT_BAD, SAT_MAX = 0.12, 0.04, 50.0
BORDER_PENALTY = {2: 25.0, 3: 40.0, 4: 40.0}


def find_single_face(rgb: np.ndarray, metrics: dict) -> tuple[faces.Face | None, EngineResult | None]:
    """Detect faces; return the one face or a hard-failure result (NO_FACE / MULTIPLE_FACES /
    FACE_TOO_SMALL). Detection runs at native scale first and with 2x upsampling only when
    that finds nothing (upsampling finds faces down to ~40 px but costs ~4x)."""
    found = faces.detect(rgb, 0)
    upsampled = False
    if not found and max(rgb.shape[:2]) <= 1024:
        found = faces.detect(rgb, 1)
        upsampled = True
    metrics["faces_detected"] = len(found)
    if not found:
        return None, failure(codes.NO_FACE, "no face found in the image", metrics)
    sig = faces.significant_faces(found)
    if len(sig) > 1:
        metrics["faces_detected"] = len(sig)
        sizes = ", ".join(f"{f.size:.0f}px" for f in sig)
        return None, failure(codes.MULTIPLE_FACES, f"{len(sig)} faces found ({sizes}); exactly one is required", metrics)
    face = sig[0]
    metrics["face_px"] = face.size
    metrics["detection_score"] = face.score
    if face.size < FACE_MIN_PX:
        return None, failure(
            codes.FACE_TOO_SMALL, f"face is {face.size:.0f}px wide, below the minimum of {FACE_MIN_PX}px", metrics
        )
    del upsampled
    return faces.landmarks(rgb, face), None


def assess_face(rgb: np.ndarray, face: faces.Face, sc: Scorer, *, presentation_attack: bool = True) -> np.ndarray:
    """Score one detected face (with landmarks): size, pose, sharpness, exposure and, optionally,
    the presentation-attack cues. Records metrics and soft findings in ``sc``; returns the chip."""
    m = sc.metrics
    size = face.size
    m["face_px"] = size
    sc.soft(
        codes.FACE_TOO_SMALL,
        f"face is {size:.0f}px wide, below the recommended {FACE_GOOD_PX}px",
        ramp(size, FACE_GOOD_PX, FACE_MIN_PX, 30.0),
    )

    yaw, pitch, roll = faces.head_pose(face.points)
    m.update(yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)
    for name, value in (("yaw", yaw), ("pitch", pitch)):
        sc.soft(
            codes.POSE,
            f"head {name} {value:+.0f} degrees beyond ±{YAW_PITCH_OK:.0f} (look straight at the camera)",
            ramp(abs(value), YAW_PITCH_OK, YAW_PITCH_BAD, YAW_PITCH_MAX),
        )
    sc.soft(
        codes.POSE,
        f"head roll {roll:+.0f} degrees beyond ±{ROLL_OK:.0f} (hold the camera upright)",
        ramp(abs(roll), ROLL_OK, ROLL_BAD, ROLL_MAX),
    )

    c = faces.chip(rgb, face)
    sharp = faces.sharpness(c)
    m["sharpness"] = sharp
    sc.soft(codes.BLURRY, f"sharpness {sharp:.1f} below {SHARP_OK:.0f} (blurry)", ramp(sharp, SHARP_OK, SHARP_BAD, SHARP_MAX))

    bright, dark_clip, bright_clip = faces.exposure(c)
    m.update(brightness=bright, dark_clipped=dark_clip, bright_clipped=bright_clip)
    sc.soft(codes.EXPOSURE, f"face brightness {bright:.0f} below {DARK_OK:.0f} (too dark)", ramp(bright, DARK_OK, DARK_BAD, EXPOSURE_MAX))
    sc.soft(codes.EXPOSURE, f"face brightness {bright:.0f} above {BRIGHT_OK:.0f} (overexposed)", ramp(bright, BRIGHT_OK, BRIGHT_BAD, EXPOSURE_MAX))
    clipped = max(dark_clip, bright_clip)
    sc.soft(
        codes.EXPOSURE,
        f"{clipped:.0%} of the face is clipped {'black' if dark_clip > bright_clip else 'white'} (over {CLIP_OK:.0%})",
        ramp(clipped, CLIP_OK, CLIP_BAD, CLIP_MAX),
    )

    if presentation_attack:
        prom, freq = pad.periodic_peaks(rgb, face)
        m.update(moire_db=prom, moire_freq=freq)
        penalty = ramp(prom, MOIRE_OK, MOIRE_BAD, MOIRE_MAX)
        if freq >= HALFTONE_MIN_FREQ:
            sc.soft(
                codes.PRINT_ATTACK,
                f"fine periodic dot pattern ({freq:.2f} cycles/px, {prom:.1f} dB over the spectrum, limit {MOIRE_OK:.0f}) typical of a halftone print",
                penalty,
            )
        else:
            sc.soft(
                codes.SCREEN_REPLAY,
                f"periodic moire peak {prom:.1f} dB over the spectrum (limit {MOIRE_OK:.0f}) at {freq:.2f} cycles/px, typical of a photographed screen",
                penalty,
            )
        sat = pad.saturation(c)
        if sat == sat:  # not NaN
            m["saturation"] = sat
            sc.soft(
                codes.PRINT_ATTACK,
                f"skin colour saturation {sat:.2f} below {SAT_OK:.2f} (monochrome or faded reproduction)",
                ramp(sat, SAT_OK, SAT_BAD, SAT_MAX),
            )
        sides, longest = pad.border_sides(rgb, face)
        m.update(border_sides=sides, border_len_rel=longest)
        if sides >= 2:
            sc.soft(
                codes.FRAME_BORDER,
                f"long straight edges on {sides} sides of the face (a phone, tablet or paper held up to the camera?)",
                BORDER_PENALTY[sides],
            )
    return c


def analyse_selfie(image: bytes) -> EngineResult:
    """Static liveness of one JPEG/PNG/BMP/WebP selfie; see docs/engine.md for every check."""
    try:
        rgb, fmt = decode_image(image)
    except DecodeError as exc:
        return failure(codes.UNDECODABLE_IMAGE, str(exc))
    h0, w0 = rgb.shape[:2]
    rgb, _ = limit_size(rgb)
    metrics: dict[str, float] = {"width": w0, "height": h0}
    face, fail = find_single_face(rgb, metrics)
    if fail is not None:
        return fail
    sc = Scorer()
    sc.metrics.update(metrics)
    aspect = min(h0, w0) / max(h0, w0)
    sc.metrics["aspect"] = aspect
    sc.soft(
        codes.ASPECT,
        f"aspect ratio {min(h0, w0)}:{max(h0, w0)} = {aspect:.2f}, not close to 3:4 (0.75)",
        ramp(abs(aspect - ASPECT_IDEAL), ASPECT_OK, ASPECT_BAD, ASPECT_MAX),
    )
    assess_face(rgb, face, sc)
    return sc.result(face_crop_jpeg=encode_jpeg(faces.crop(rgb, face)))
