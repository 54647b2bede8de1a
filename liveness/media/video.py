"""Uploaded videos: what the product could have recorded, and nothing of the file's metadata.

``video_probe`` refuses what the capture page never records (too long, too many frames or
pixels x frames, no sound track) from the headers and the packets, decoding only the first
picture; ``video_normalise`` then remuxes the streams into a fresh container without tags
(no re-encode), as images are re-encoded without theirs. Refusals are ``MediaRejected``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings

from liveness.media.refusals import MediaRejected, too_large
from liveness.media.remux import copy_packets

ACCEPTED_VIDEO_CONTAINERS = ("matroska", "webm", "mov", "mp4", "flv", "avi")


@dataclass(frozen=True)
class VideoInfo:
    container: str
    codec: str
    width: int
    height: int
    duration_s: float
    has_audio: bool


@dataclass(frozen=True)
class _Extent:
    """How much video a file holds: seconds (longest stream), video frames, frame size."""

    seconds: float
    frames: int
    width: int
    height: int


def _extent_check(extent: _Extent) -> None:
    """Refuse a video longer, with more frames, or more pixels x frames than the product records
    (the capture page records 4 s at 640x480): each costs engine time for nothing. The extent may
    be a partial measure (reading stops at the first limit passed), so messages say "more than"."""
    if extent.seconds > settings.KYC_MAX_VIDEO_SECONDS:
        raise MediaRejected(
            "video_too_long", f"The video is longer than {settings.KYC_MAX_VIDEO_SECONDS} s, the limit "
                              "(reading four digits takes a few seconds).")
    if extent.frames > settings.KYC_MAX_VIDEO_FRAMES:
        raise MediaRejected(
            "video_too_many_frames", f"The video has more than {settings.KYC_MAX_VIDEO_FRAMES:,} frames, the limit.")
    work = extent.width * extent.height * extent.frames
    if work > settings.KYC_MAX_VIDEO_PIXEL_FRAMES:
        raise MediaRejected(
            "video_too_much_data", f"The video's frames of {extent.width}x{extent.height} pixels come to more "
                                   f"than {settings.KYC_MAX_VIDEO_PIXEL_FRAMES:,} pixels in all, the limit.")


#: Video packets decoded at most to find the first picture (codecs with frame reordering need a few).
FIRST_FRAME_PACKETS = 64


def video_probe(data: bytes, *, max_bytes: int | None = None) -> VideoInfo:
    """Check that the bytes are a video the product could have recorded, and describe it.

    Refused (``MediaRejected``): over ``max_bytes`` (default ``KYC_MAX_VIDEO_BYTES``), not an
    accepted container, no video track, no audio track (the digits are read aloud), longer than
    ``KYC_MAX_VIDEO_SECONDS``, more than ``KYC_MAX_VIDEO_FRAMES`` frames or
    ``KYC_MAX_VIDEO_PIXEL_FRAMES`` pixels x frames, or no decodable picture.

    The work is bounded: the headers' duration and frame count are checked first; then the
    packets are read (demuxed, not decoded) to measure what the headers may not say or may lie
    about, stopping as soon as a limit is passed; only the first picture is decoded (at most
    ``FIRST_FRAME_PACKETS`` packets).
    """
    import av  # PyAV loads FFmpeg; keep it out of module import for web processes that never see video

    limit = max_bytes or settings.KYC_MAX_VIDEO_BYTES
    if not data:
        raise MediaRejected("empty", "The video is empty (0 bytes).")
    if len(data) > limit:
        raise too_large("video", len(data), limit)
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
            width, height = stream.codec_context.width, stream.codec_context.height
            declared = _declared_seconds(container, stream)
            _extent_check(_Extent(declared or 0.0, stream.frames or 0, width, height))
            if not container.streams.audio:
                raise MediaRejected("no_audio", "The video has no sound track; the digits must be read aloud "
                                                "with the microphone on.")
            frame, measured = _video_read(container, stream, width, height)
            if frame is None:
                raise MediaRejected("corrupt_video", "The video has no decodable frames.")
            return VideoInfo(
                container=container.format.name,
                codec=stream.codec_context.name,
                width=frame.width,
                height=frame.height,
                duration_s=declared or measured.seconds,
                has_audio=True,
            )
    except MediaRejected:
        raise
    except (av.error.FFmpegError, StopIteration, ValueError, IndexError) as exc:
        raise MediaRejected("not_a_video", f"The file is not a video we can read ({type(exc).__name__}).") from None


def _declared_seconds(container, stream) -> float | None:
    """The duration the headers state (None when they state none, as MediaRecorder's WebM)."""
    if container.duration:
        return container.duration / 1_000_000
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _video_read(container, stream, width: int, height: int):
    """One pass over the packets of every stream, without decoding them (but the first picture).

    Returns the first decoded frame (or None) and the measured extent: the latest packet end of
    any stream (a 4-s picture may come with 10 minutes of sound) and the number of video packets.
    Raises ``MediaRejected`` as soon as the extent passes a limit, so a long file costs no more
    than reading its packets up to that point.
    """
    first = None
    decoded_packets = 0
    frames = 0
    start: float | None = None
    end = 0.0
    for packet in container.demux(*container.streams.video[:1], *container.streams.audio):
        if packet.size == 0:
            continue
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is not None and packet.time_base:
            begin = float(stamp * packet.time_base)
            start = begin if start is None else min(start, begin)
            end = max(end, begin + float((packet.duration or 0) * packet.time_base))
        if packet.stream.index == stream.index:
            frames += 1
            if first is None and decoded_packets < FIRST_FRAME_PACKETS:
                decoded_packets += 1
                decoded = packet.decode()
                first = decoded[0] if decoded else None
        extent = _Extent(end - (start or 0.0), frames, width, height)
        if frames % 32 == 0 or extent.seconds > settings.KYC_MAX_VIDEO_SECONDS:
            _extent_check(extent)
    if first is None and decoded_packets:
        flushed = stream.codec_context.decode(None)
        first = flushed[0] if flushed else None
    extent = _Extent(end - (start or 0.0), frames, width, height)
    _extent_check(extent)
    return first, extent


@dataclass(frozen=True)
class NormalisedVideo:
    content: bytes
    info: VideoInfo


def video_normalise(data: bytes, *, max_bytes: int | None = None) -> NormalisedVideo:
    """``video_probe``, then the same streams remuxed into a fresh container without metadata.

    A phone's MOV carries its location (``com.apple.quicktime.location.ISO6709``), a comment,
    the device and the time in its container and stream tags; stored byte for byte they reached
    the dashboard and the vendor. Images are re-encoded for the same reason; a video is only
    remuxed (no re-encode: the pictures and sound stay bit-exact, it costs milliseconds).
    """
    info = video_probe(data, max_bytes=max_bytes)
    return NormalisedVideo(content=video_strip_metadata(data), info=info)


def _muxer_for(container) -> str:
    """The muxer writing the same format the upload came in (a demuxer name covers a family)."""
    names = set(container.format.name.split(","))
    if "matroska" in names or "webm" in names:
        codecs = {s.codec_context.name for s in container.streams if s.type in ("video", "audio")}
        return "webm" if codecs <= {"vp8", "vp9", "av1", "opus", "vorbis"} else "matroska"
    if "mov" in names or "mp4" in names:
        return "mov" if container.metadata.get("major_brand", "").strip() == "qt" else "mp4"
    return container.format.name.split(",")[0]


def video_strip_metadata(data: bytes) -> bytes:
    """The first video and audio streams of ``data`` copied packet by packet into a new container
    of the same format, with no global or stream tags, chapters, data or subtitle streams.

    What playback needs is kept: codec parameters (with their extradata) and timestamps. The
    bytes must already have passed ``video_probe``. The file is opened once; only if the
    container's own muxer refuses the streams (an MP4 with a codec only QuickTime takes) is it
    read again, into QuickTime's muxer.
    """
    import av

    with av.open(io.BytesIO(data), mode="r") as source:
        muxer = _muxer_for(source)
        try:
            return _copy_first_streams(source, muxer)
        except (av.error.FFmpegError, ValueError):
            if muxer != "mp4":
                raise
    with av.open(io.BytesIO(data), mode="r") as source:
        return _copy_first_streams(source, "mov")


def _copy_first_streams(source, muxer: str) -> bytes:
    chosen = [*source.streams.video[:1], *source.streams.audio[:1]]
    return copy_packets(chosen, source.demux(*chosen), muxer)
