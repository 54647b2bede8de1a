"""Upload validation, normalisation and encryption at rest for biometric media.

Content is identified by its bytes, never by a file name or a client's content
type. Everything that is refused raises :class:`MediaRejected` with a stable
``code`` and a message fit for the person who uploaded it; views turn it into a
4xx. Accepted images are re-encoded (EXIF orientation applied, metadata dropped).

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
from liveness.web.errors import UserFacingError

logger = logging.getLogger(__name__)

ACCEPTED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "BMP": "image/bmp", "WEBP": "image/webp"}
ACCEPTED_VIDEO_CONTAINERS = ("matroska", "webm", "mov", "mp4", "flv", "avi")


class MediaRejected(UserFacingError):
    """An upload that cannot be used (bad type, size, corrupt...)."""


@dataclass(frozen=True)
class NormalisedImage:
    content: bytes
    content_type: str
    width: int
    height: int
    source_format: str


@dataclass(frozen=True)
class VideoInfo:
    container: str
    codec: str
    width: int
    height: int
    duration_s: float
    has_audio: bool


def sizes_text(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` (bytes) as people read them, in the same binary unit: MiB for limits
    of 1 MiB and more (``8 * 1024 * 1024`` is "8 MiB", not "8 MB"), else KiB, else bytes.

    One decimal at most; the limit is rounded down and the size up, so a refused size never
    reads as equal to (or under) its limit: 8 MiB + 1 byte is "8.1 MiB" against "8 MiB".
    """
    if limit >= 1024 * 1024:
        unit, name = 1024 * 1024, "MiB"
    elif limit >= 1024:
        unit, name = 1024, "KiB"
    else:
        unit, name = 1, "bytes"

    def tenths(n: int, *, up: bool) -> str:
        t = -(-n * 10 // unit) if up else n * 10 // unit
        return f"{t // 10} {name}" if t % 10 == 0 else f"{t // 10}.{t % 10} {name}"

    return tenths(size, up=True), tenths(limit, up=False)


def _too_large(what: str, size: int, limit: int) -> MediaRejected:
    size_text, limit_text = sizes_text(size, limit)
    return MediaRejected("too_large", f"The {what} is {size_text}; the limit is {limit_text}.", status=413)


def image_normalise(data: bytes, *, what: str = "photo") -> NormalisedImage:
    """Validate an uploaded image and re-encode it as a metadata-free JPEG."""
    if not data:
        raise MediaRejected("empty", f"The {what} is empty (0 bytes).")
    if len(data) > settings.KYC_MAX_IMAGE_BYTES:
        raise _too_large(what, len(data), settings.KYC_MAX_IMAGE_BYTES)
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
        image = image.convert("RGB")
    # Nothing of the upload's metadata may reach the encoder: Pillow's JPEG writer falls back to
    # ``info`` for some of it (a COM comment is copied from the source otherwise).
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return NormalisedImage(
        content=out.getvalue(), content_type="image/jpeg", width=image.width, height=image.height,
        source_format=image_format,
    )


def video_probe(data: bytes) -> VideoInfo:
    """Check that the bytes are a decodable video and describe it."""
    import av  # PyAV loads FFmpeg; keep it out of module import for web processes that never see video

    if not data:
        raise MediaRejected("empty", "The video is empty (0 bytes).")
    if len(data) > settings.KYC_MAX_VIDEO_BYTES:
        raise _too_large("video", len(data), settings.KYC_MAX_VIDEO_BYTES)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            names = set(container.format.name.split(","))
            if not names & set(ACCEPTED_VIDEO_CONTAINERS):
                raise MediaRejected(
                    "unsupported_video", "The file is not a WebM, MP4, MOV, FLV or AVI video "
                    f"(it looks like {container.format.long_name or container.format.name}).")
            if not container.streams.video:
                raise MediaRejected("no_video_stream", "The file has no video track.")
            stream = container.streams.video[0]
            frame = next(container.decode(video=0), None)
            if frame is None:
                raise MediaRejected("corrupt_video", "The video has no decodable frames.")
            duration = _video_duration(container, stream)
            return VideoInfo(
                container=container.format.name,
                codec=stream.codec_context.name,
                width=frame.width,
                height=frame.height,
                duration_s=duration,
                has_audio=bool(container.streams.audio),
            )
    except MediaRejected:
        raise
    except (av.error.FFmpegError, StopIteration, ValueError, IndexError) as exc:
        raise MediaRejected("not_a_video", f"The file is not a video we can read ({type(exc).__name__}).") from None


def _video_duration(container, stream) -> float:
    if container.duration:
        return container.duration / 1_000_000
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    # Browser WebM from MediaRecorder often has no duration header: count frames.
    last = 0.0
    for frame in container.decode(video=0):
        if frame.time is not None:
            last = frame.time
    return last


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
