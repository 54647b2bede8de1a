"""Checking media against a vendor's documented limits before a paid call: shared by every remote vendor.

Each vendor module describes its limits as an :class:`ImageLimits` (formats, Base64 size, resolution, and
its own error codes for each refusal); :func:`fit_image` either adjusts the image where that keeps its meaning
or raises :class:`MediaRefused` with the vendor's code, which :func:`refused_result` reports like the
vendor's own verdict, so no request is wasted on media the vendor would refuse.
"""
from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

from .base import ProviderResult

MB = 1024 * 1024
ASPECT_WIDTH_OVER_HEIGHT = 3 / 4  # "aspect ratio ... close to 3:4 (width:height)"
ASPECT_TOLERANCE = 0.15  # relative deviation from 3:4 that earns a finding (portal's choice)

#: Fields of a vendor answer that carry images; never copied into ``ProviderResult.raw``.
IMAGE_FIELDS = frozenset({"BestFrameBase64", "BestFrameList", "base64_image", "base64_face_image", "photo"})


def strip_images(data: Any) -> Any:
    """A copy of a vendor answer without any base64 image field (for ``ProviderResult.raw``)."""
    if isinstance(data, dict):
        return {
            k: strip_images(v) for k, v in data.items()
            if k not in IMAGE_FIELDS and "base64" not in k.lower()
        }
    if isinstance(data, list):
        return [strip_images(v) for v in data]
    return data


def b64_len(n: int) -> int:
    """Length of the standard (padded) Base64 encoding of ``n`` bytes."""
    return 4 * math.ceil(n / 3)


class MediaRefused(Exception):
    """The media cannot be sent as the vendor documents it; ``code`` is the vendor's own code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FittedImage:
    content: bytes
    format: str
    width: int
    height: int
    findings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImageLimits:
    formats: tuple[str, ...]
    max_base64_bytes: int
    max_long_side: dict[str, int]
    max_long_side_other: int
    min_short_side: int
    # the vendor's codes for each refusal
    code_empty: str
    code_format: str
    code_decode: str
    code_size: str
    code_resolution: str
    code_too_small: str
    check_aspect: bool = False


def fit_image(data: bytes, limits: ImageLimits, *, adjust: bool = True, what: str = "image") -> FittedImage:
    """Check an image against a vendor's documented limits, adjusting it where that keeps its meaning.

    With ``adjust``: EXIF orientation is applied, a format the vendor does not take (but
    not GIF) becomes JPEG, a long side over the limit is scaled down, and an image over
    the Base64 size limit is re-encoded (JPEG quality 90..70, then scaled down). Without
    ``adjust`` each of these is a refusal. Never adjusted: empty data, GIF, undecodable
    data, a short side under the minimum (upscaling invents pixels).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise MediaRefused(limits.code_empty, f"The {what} is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = (image.format or "").upper()
            if fmt == "GIF":
                raise MediaRefused(limits.code_format, f"The {what} is a GIF; the vendor does not accept GIF images.")
            image.load()
    except MediaRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise MediaRefused(limits.code_decode, f"The {what} could not be decoded ({type(exc).__name__}).") from None

    findings: list[str] = []
    changed = False
    orientation = image.getexif().get(0x0112, 1)
    if orientation not in (None, 1):
        if not adjust:
            raise MediaRefused(limits.code_format, f"The {what} relies on EXIF orientation {orientation}.")
        image = ImageOps.exif_transpose(image)
        findings.append(f"EXIF orientation {orientation} applied before sending.")
        changed = True
    if fmt not in limits.formats:
        if not adjust:
            raise MediaRefused(limits.code_format, f"The {what} is {fmt or 'an unknown format'}; accepted: {', '.join(limits.formats)}.")
        findings.append(f"{fmt or 'Image'} converted to JPEG (the vendor accepts {', '.join(limits.formats)}).")
        changed = True
    out_fmt = fmt if (not changed and fmt in limits.formats) else "JPEG"

    width, height = image.size
    if min(width, height) < limits.min_short_side:
        raise MediaRefused(limits.code_too_small,
                           f"The {what} is {width}x{height}; its short side must be at least {limits.min_short_side} px.")
    max_long = limits.max_long_side.get(out_fmt, limits.max_long_side_other)
    if max(width, height) > max_long:
        if not adjust:
            raise MediaRefused(limits.code_resolution,
                               f"The {what} is {width}x{height}; the long side may be at most {max_long} px for {out_fmt}.")
        # a non-JPEG over its limit becomes JPEG, which has the larger limit (seed 001: 4000 vs 2000)
        jpeg_long = limits.max_long_side.get("JPEG", limits.max_long_side_other)
        if out_fmt != "JPEG" and max(width, height) <= jpeg_long:
            findings.append(f"{out_fmt} of {width}x{height} converted to JPEG (long side limit {max_long} px for "
                            f"{out_fmt}, {jpeg_long} px for JPEG).")
        out_fmt = "JPEG"
        max_long = jpeg_long
        if max(width, height) > max_long:
            scale = max_long / max(width, height)
            image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.LANCZOS)
            findings.append(f"Scaled from {width}x{height} to {image.width}x{image.height} (long side limit {max_long} px).")
        changed = True

    content = _encode(image, out_fmt) if changed else data
    if b64_len(len(content)) > limits.max_base64_bytes:
        if not adjust:
            raise MediaRefused(limits.code_size,
                               f"The {what} is {b64_len(len(content)):,} bytes after Base64; the limit is {limits.max_base64_bytes:,}.")
        before = len(content)
        content, image = _shrink(image, limits.max_base64_bytes, limits.min_short_side)
        out_fmt = "JPEG"
        if b64_len(len(content)) > limits.max_base64_bytes:
            raise MediaRefused(limits.code_size, f"The {what} cannot be brought under {limits.max_base64_bytes:,} bytes after Base64.")
        findings.append(f"Re-encoded from {before:,} to {len(content):,} bytes to fit the vendor's "
                        f"{limits.max_base64_bytes // MB} MB Base64 limit.")
    if limits.check_aspect:
        ratio = image.width / image.height
        if abs(ratio - ASPECT_WIDTH_OVER_HEIGHT) / ASPECT_WIDTH_OVER_HEIGHT > ASPECT_TOLERANCE:
            findings.append(
                f"Aspect ratio {image.width}x{image.height} is not close to 3:4 (width:height); "
                "the vendor documents its liveness score as meaningless for such images."
            )
    return FittedImage(content=content, format=out_fmt, width=image.width, height=image.height, findings=findings)


def _encode(image, fmt: str, quality: int = 95) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            if "A" in image.getbands():
                from PIL import Image

                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[-1])
                image = background
            else:
                image = image.convert("RGB")
        image.save(out, format="JPEG", quality=quality)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def _shrink(image, max_base64_bytes: int, min_short_side: int):
    from PIL import Image

    for quality in (90, 80, 70):
        content = _encode(image, "JPEG", quality)
        if b64_len(len(content)) <= max_base64_bytes:
            return content, image
    while min(image.size) * 0.8 >= min_short_side:
        image = image.resize((round(image.width * 0.8), round(image.height * 0.8)), Image.LANCZOS)
        content = _encode(image, "JPEG", 85)
        if b64_len(len(content)) <= max_base64_bytes:
            return content, image
    return content, image


def refused_result(refusal: MediaRefused, *, vendor: str, api: str, findings: list[str] | None = None) -> ProviderResult:
    """A refusal made here, before any request: reported like the vendor's own verdict."""
    return ProviderResult(
        vendor=vendor,
        error_code=refusal.code,
        error_message=refusal.message,
        findings=[*(findings or []), f"{refusal.message} Checked before calling {api}; no request was sent."],
        raw={"refused_before_call": True, "code": refusal.code, "message": refusal.message},
    )


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
