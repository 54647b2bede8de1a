"""Image decoding and encoding helpers (Pillow + numpy)."""
from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

SUPPORTED_FORMATS = {"JPEG", "PNG", "BMP", "WEBP", "MPO"}  # MPO: multi-picture JPEG from some phones
MAX_PIXELS = 40_000_000
WORK_LONG_SIDE = 1024  # images are analysed at most this large


class DecodeError(ValueError):
    pass


def decode_image(data: bytes) -> tuple[np.ndarray, str]:
    """Decode JPEG/PNG/BMP/WebP bytes into an RGB uint8 array (EXIF orientation applied)."""
    if not data:
        raise DecodeError("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            fmt = (im.format or "").upper()
            if fmt not in SUPPORTED_FORMATS:
                raise DecodeError(f"format {fmt or 'unknown'} is not supported (JPEG, PNG, BMP or WebP)")
            if im.width * im.height > MAX_PIXELS:
                raise DecodeError(f"{im.width}x{im.height} exceeds {MAX_PIXELS // 1_000_000} megapixels")
            im.load()
            im = ImageOps.exif_transpose(im)
            rgb = np.asarray(im.convert("RGB"))
    except DecodeError:
        raise
    except Exception as exc:  # PIL raises many types for corrupt data
        raise DecodeError(f"not a readable image ({type(exc).__name__}: {exc})") from exc
    if rgb.shape[0] < 16 or rgb.shape[1] < 16:
        raise DecodeError(f"image too small to analyse ({rgb.shape[1]}x{rgb.shape[0]})")
    return np.ascontiguousarray(rgb), fmt


def limit_size(rgb: np.ndarray, long_side: int = WORK_LONG_SIDE) -> tuple[np.ndarray, float]:
    """Downscale so the long side is at most ``long_side``; returns (image, scale applied)."""
    h, w = rgb.shape[:2]
    s = long_side / max(h, w)
    if s >= 1.0:
        return rgb, 1.0
    im = Image.fromarray(rgb).resize((max(1, round(w * s)), max(1, round(h * s))), Image.BILINEAR, reducing_gap=2.0)
    return np.ascontiguousarray(np.asarray(im)), s


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma as float32 0..255."""
    return rgb[..., 0] * np.float32(0.299) + rgb[..., 1] * np.float32(0.587) + rgb[..., 2] * np.float32(0.114)


def encode_jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()
