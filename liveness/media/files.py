"""Upload validation, normalisation and encryption at rest for biometric media.

Content is identified by its bytes, never by a file name or a client's content
type. Everything that is refused raises :class:`MediaRejected` with a stable
``code`` and a message fit for the person who uploaded it; views turn it into a
4xx. Accepted images are re-encoded (EXIF orientation applied, metadata dropped);
videos are checked and remuxed without metadata in ``liveness.media.video`` (re-exported here).

Stored files are sealed by ``liveness.media.sealing`` (AES-256-GCM, the blob id as associated
data, the key id on the row).
"""
from __future__ import annotations

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from liveness.media import sealing
from liveness.media.models import MediaBlob
from liveness.media.refusals import MediaRejected, sizes_text, too_large  # noqa: F401 - re-exported
from liveness.media.video import (  # noqa: F401 - re-exported: callers import media.video_probe from here
    ACCEPTED_VIDEO_CONTAINERS,
    NormalisedVideo,
    VideoInfo,
    video_normalise,
    video_probe,
    video_strip_metadata,
)

logger = logging.getLogger(__name__)

ACCEPTED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp", "WEBP": "image/webp"}


@dataclass(frozen=True)
class NormalisedImage:
    content: bytes
    content_type: str
    width: int
    height: int
    source_format: str


def image_normalise(data: bytes, *, what: str = "photo", max_bytes: int | None = None) -> NormalisedImage:
    """Validate an uploaded image and re-encode it as a metadata-free 8-bit RGB JPEG.

    ``max_bytes`` (default ``KYC_MAX_IMAGE_BYTES``) is the size limit for this upload (the
    caller lowers it to what the configured vendor takes). Dimensions are judged from the
    header before any pixel is decoded (``_declared_size_check``).
    """
    limit = max_bytes or settings.KYC_MAX_IMAGE_BYTES
    if not data:
        raise MediaRejected("empty", f"The {what} is empty (0 bytes).")
    if len(data) > limit:
        raise too_large(what, len(data), limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image_format = image.format or ""
            if image_format == "GIF":
                raise MediaRejected("gif", f"GIF images are not accepted; send the {what} as JPEG or PNG.")
            if image_format not in ACCEPTED_IMAGE_FORMATS:
                raise MediaRejected(
                    "unsupported_format", f"The {what} must be a JPEG, PNG, BMP or WebP image, not {image_format or 'this format'}."
                )
            # Only the header has been read so far: refuse huge dimensions before decoding pixels.
            # (Pillow's own process-wide MAX_IMAGE_PIXELS still catches anything larger.)
            if image.width * image.height > settings.KYC_MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError(f"{image.width}x{image.height}")
            if getattr(image, "n_frames", 1) > 1:
                raise MediaRejected("animated", f"The {what} is an animated image; send a single still photo.")
            _declared_size_check(image.width, image.height, len(data), what=what)
            image.load()
    except MediaRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRejected(
            "too_many_pixels", f"The {what} has too many pixels (limit {settings.KYC_MAX_IMAGE_PIXELS:,})."
        ) from None
    except UnidentifiedImageError:
        raise MediaRejected("not_an_image", f"The {what} is not an image file we can read.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise MediaRejected("corrupt_image", f"The {what} is damaged or truncated ({exc}).") from None

    # In place, and convert only when needed: each copy of a phone photo's pixels costs as much
    # CPU as decoding it (bench/ingest.py), and the upload path is CPU-bound.
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode != "RGB":
        image = image_to_rgb(image)
    # Nothing of the upload's metadata may reach the encoder: Pillow's JPEG writer falls back to
    # ``info`` for some of it (a COM comment is copied from the source otherwise).
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return NormalisedImage(
        content=out.getvalue(), content_type="image/jpeg", width=image.width, height=image.height,
        source_format=image_format,
    )


def _declared_size_check(width: int, height: int, size: int, *, what: str) -> None:
    """Refuse, from the header alone, an image no face check can use or that costs far more to
    decode than its bytes suggest.

    * a short side under ``KYC_MIN_IMAGE_SIDE`` (a 1x1 "photo"): no face is usable, and an
      upscale would invent the pixels;
    * more than ``KYC_MAX_IMAGE_PIXELS_PER_BYTE`` declared pixels per byte of file: a 330-byte
      JPEG declaring 6000x6000 decodes "successfully" (libjpeg fills the missing scan with grey)
      at 36 Mpx of work. No photo of a person compresses like that (a camera photo is under 50
      pixels per byte, a flat one-colour PNG about 1000).
    """
    if min(width, height) < settings.KYC_MIN_IMAGE_SIDE:
        raise MediaRejected(
            "too_small", f"The {what} is {width}x{height} pixels; its short side must be at least "
                         f"{settings.KYC_MIN_IMAGE_SIDE} px to show a face.")
    if width * height > size * settings.KYC_MAX_IMAGE_PIXELS_PER_BYTE:
        raise MediaRejected(
            "too_many_pixels", f"The {what} declares {width}x{height} pixels in only {size:,} bytes; "
                               "it is not a photo we can use.")


#: Pillow modes of more than 8 bits per sample, with the value that stands for full white.
_WIDE_MODES = {"I;16": 65535, "I;16L": 65535, "I;16B": 65535, "I;16N": 65535}


def image_to_rgb(image: Image.Image) -> Image.Image:
    """The image as 8-bit RGB, keeping its tones.

    Pillow's ``convert("RGB")`` clips 16-bit grey (``I;16``: 0..65535) at 255, so a 16-bit PNG
    of a face became a white page nobody could pass with. Wide modes are scaled to 8 bits
    first: 16-bit by their nominal range, 32-bit integer (``I``) and float (``F``) by theirs
    when they exceed 8 bits (Pillow opens some 16-bit files as ``I``).
    """
    if image.mode in _WIDE_MODES:
        white = _WIDE_MODES[image.mode]
    elif image.mode in ("I", "F"):
        low, high = image.getextrema()
        white = 65535 if high > 255 else 255
        if low < 0 or high > 65535:  # not a 16-bit picture stored wide: stretch its own range
            white = None
    else:
        return image.convert("RGB")
    import numpy as np

    pixels = np.asarray(image, dtype=np.float64)
    if white is None:
        low_value, high_value = float(pixels.min()), float(pixels.max())
        pixels = (pixels - low_value) / max(high_value - low_value, 1e-9) * 255.0
    else:
        pixels = pixels * (255.0 / white)
    grey = Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8), mode="L")
    return grey.convert("RGB")


def blob_write(
    *, data: bytes, kind: str, content_type: str, width: int | None = None, height: int | None = None,
    duration_s: float | None = None,
) -> MediaBlob:
    """Encrypt and write the file; return its row *unsaved*.

    Call it before the transaction that links the blob and save the row inside it: writing to
    storage (S3: up to 10 s a try, 3 tries) must never hold a row lock. A file whose row is
    never saved (the transaction refused the upload, or the process died) is named by no row:
    ``blob_discard`` removes it at once when the caller knows, ``liveness.media.orphans`` after
    its grace period when it does not.
    """
    blob = MediaBlob(
        kind=kind, content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        key_id=settings.MEDIA_ACTIVE_KEY_ID, width=width, height=height, duration_s=duration_s,
    )
    now = timezone.now()
    blob.file.save(f"{now:%Y/%m}/{blob.id}.bin", ContentFile(sealing.seal(blob.id, blob.key_id, data)), save=False)
    return blob


def blob_discard(*blobs: MediaBlob | None) -> None:
    """Delete the files of blobs whose rows were never saved (best effort: the orphan sweep is the backstop)."""
    for blob in blobs:
        if blob is None or not blob.file.name:
            continue
        try:
            default_storage.delete(blob.file.name)
        except Exception:  # noqa: BLE001 - a refused upload must not turn into a 500; the sweep removes it later
            logger.warning("media %s: the unused file %s could not be deleted now", blob.id, blob.file.name)


def blob_store(
    *, data: bytes, kind: str, content_type: str, width: int | None = None, height: int | None = None,
    duration_s: float | None = None,
) -> MediaBlob:
    """``blob_write`` and save the row at once (in the caller's transaction, if any): for callers
    that hold no lock. If the insert fails the file is removed here."""
    blob = blob_write(data=data, kind=kind, content_type=content_type, width=width, height=height,
                      duration_s=duration_s)
    try:
        blob.save()
    except BaseException:
        default_storage.delete(blob.file.name)
        raise
    return blob


def blob_read(blob: MediaBlob) -> bytes:
    """Decrypt a stored blob. Raises if the file was altered or swapped."""
    if blob.purged_at:
        raise FileNotFoundError(f"media {blob.id} was purged at {blob.purged_at:%Y-%m-%d}")
    with default_storage.open(blob.file.name, "rb") as handle:
        sealed = handle.read()
    return sealing.unseal(blob.id, blob.key_id, sealed)
