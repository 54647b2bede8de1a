"""Fitting a video to a vendor's documented limits before a paid call: shared by every video vendor.

:func:`prepare_video` probes the container and codecs (PyAV), transcodes to MP4 (H.264 + AAC, audio
kept: vendors listen to the digits) when the vendor does not accept the input, and re-encodes at a
lower bit rate when the Base64 size is over the vendor's limit. Refusals raise
:class:`~.media_fit.MediaRefused` with the vendor's own code from its :class:`VideoCodes`.
Used by Tencent FaceID and SenseID (the image counterpart is :mod:`.media_fit`).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from fractions import Fraction

from .media_fit import MediaRefused, b64_len


@dataclass(frozen=True)
class VideoCodes:
    """The vendor's own code for each way a video can be refused before the call."""

    empty: str
    decode: str
    format: str
    size: str


@dataclass
class VideoFacts:
    kind: str  # "mp4", "mov", "avi", "flv", "webm", or FFmpeg's format name
    video_codec: str
    audio_codec: str
    width: int
    height: int
    duration_s: float


@dataclass
class PreparedVideo:
    content: bytes
    facts: VideoFacts
    findings: list[str] = field(default_factory=list)


def probe_video(data: bytes) -> VideoFacts:
    """Container, codecs, size and duration of a video; ValueError when it does not decode."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.video:
                raise ValueError("no video track")
            vstream = container.streams.video[0]
            name = container.format.name
            if "mp4" in name.split(","):
                kind = "mov" if data[8:12] == b"qt  " else "mp4"
            elif "webm" in name.split(",") or "matroska" in name.split(","):
                kind = "webm"
            else:
                kind = name.split(",")[0]
            audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
            frame = next(container.decode(video=0), None)
            if frame is None:
                raise ValueError("no decodable video frame")
            duration = container.duration / 1_000_000 if container.duration else 0.0
            if not duration and vstream.duration and vstream.time_base:
                duration = float(vstream.duration * vstream.time_base)
            return VideoFacts(kind=kind, video_codec=vstream.codec_context.name, audio_codec=audio,
                              width=frame.width, height=frame.height, duration_s=duration)
    except ValueError:
        raise
    except Exception as exc:  # FFmpeg errors, truncated data
        raise ValueError(f"{type(exc).__name__}: {exc}") from None


def transcode_to_mp4(data: bytes, *, video_bit_rate: int | None = None, max_short_side: int | None = None) -> bytes:
    """Re-encode any decodable video as MP4 (H.264 yuv420p + AAC), keeping the audio track.

    Timestamps are carried over (browser recordings have a variable frame rate) and a
    display rotation is applied to the pixels. Without ``video_bit_rate`` quality is
    CRF 23; with it, the encoder aims at that average bit rate.
    """
    import av
    import numpy as np

    out_buf = io.BytesIO()
    with av.open(io.BytesIO(data), mode="r") as inp:
        vin = inp.streams.video[0]
        ain = inp.streams.audio[0] if inp.streams.audio else None
        with av.open(out_buf, mode="w", format="mp4") as out:
            rate = vin.average_rate or vin.guessed_rate or Fraction(30)
            vout = out.add_stream("libx264", rate=rate)
            vout.pix_fmt = "yuv420p"
            vout.codec_context.time_base = vin.time_base or Fraction(1, 1000)
            options = {"preset": "veryfast"}
            if video_bit_rate:
                vout.bit_rate = int(video_bit_rate)
                options["maxrate"] = str(int(video_bit_rate * 1.2))
                options["bufsize"] = str(int(video_bit_rate * 2))
            else:
                options["crf"] = "23"
            vout.options = options
            aout = None
            if ain is not None:
                aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 48000)
                aout.layout = ain.codec_context.layout.name if ain.codec_context.layout else "mono"
                aout.bit_rate = 64_000
            size_set = False
            last_pts = None
            for packet in inp.demux(*([vin] + ([ain] if ain is not None else []))):
                for frame in packet.decode():
                    if packet.stream.type == "video":
                        rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                        if rotation:
                            pixels = np.rot90(frame.to_ndarray(format="rgb24"), k=rotation // 90)
                            rotated = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
                            rotated.pts, rotated.time_base = frame.pts, frame.time_base
                            frame = rotated
                        if not size_set:
                            width, height = frame.width, frame.height
                            if max_short_side and min(width, height) > max_short_side:
                                scale = max_short_side / min(width, height)
                                width, height = round(width * scale), round(height * scale)
                            vout.width, vout.height = max(2, width // 2 * 2), max(2, height // 2 * 2)
                            size_set = True
                        if frame.pts is not None and last_pts is not None and frame.pts <= last_pts:
                            continue  # a duplicate timestamp would stop the muxer
                        last_pts = frame.pts
                        frame = frame.reformat(width=vout.width, height=vout.height, format="yuv420p")
                        for out_packet in vout.encode(frame):
                            out.mux(out_packet)
                    elif aout is not None:
                        frame.pts = None
                        for out_packet in aout.encode(frame):
                            out.mux(out_packet)
            for out_packet in vout.encode():
                out.mux(out_packet)
            if aout is not None:
                for out_packet in aout.encode():
                    out.mux(out_packet)
    return out_buf.getvalue()


def prepare_video(data: bytes, *, containers: tuple[str, ...], max_base64_bytes: int | None, adjust: bool,
                  codes: VideoCodes, api: str) -> PreparedVideo:
    """Make a video acceptable to ``api``: container, codecs, Base64 size. Raises MediaRefused."""
    if not data:
        raise MediaRefused(codes.empty, "The video is empty.")
    try:
        facts = probe_video(data)
    except ValueError as exc:
        raise MediaRefused(codes.decode, f"The video could not be decoded ({exc}).") from None
    findings: list[str] = []
    content = data
    accepted_codecs = {"h264", "mpeg4", "flv", "flv1", "mjpeg"}
    if facts.kind not in containers or facts.video_codec not in accepted_codecs:
        if not adjust:
            raise MediaRefused(codes.format, f"The video is {facts.kind}/{facts.video_codec}; {api} accepts "
                                             f"{', '.join(c.upper() for c in containers)}.")
        before = facts
        content = transcode_to_mp4(data)
        facts = probe_video(content)
        findings.append(
            f"Video transcoded from {before.kind.upper()} ({before.video_codec}"
            f"{'/' + before.audio_codec if before.audio_codec else ', no audio'}) to MP4 ({facts.video_codec}"
            f"{'/' + facts.audio_codec if facts.audio_codec else ', no audio'}) for {api}; audio kept."
        )
    if max_base64_bytes and b64_len(len(content)) > max_base64_bytes:
        size_before = b64_len(len(content))
        if not adjust:
            raise MediaRefused(codes.size, f"The video is {size_before:,} bytes after Base64; {api} accepts at most "
                                           f"{max_base64_bytes:,}.")
        duration = facts.duration_s or 1.0
        budget_bits = max_base64_bytes * 3 / 4 * 0.85 * 8  # Base64 overhead, container overhead
        video_bit_rate = int(budget_bits / duration) - (64_000 if facts.audio_codec else 0)
        if video_bit_rate < 100_000:
            raise MediaRefused(codes.size, f"The video ({duration:.1f} s) is too long to fit {api}'s "
                                           f"{max_base64_bytes:,}-byte Base64 limit at a usable quality.")
        content = transcode_to_mp4(content, video_bit_rate=video_bit_rate, max_short_side=720)
        facts = probe_video(content)
        if b64_len(len(content)) > max_base64_bytes:
            raise MediaRefused(codes.size, f"The video cannot be brought under {max_base64_bytes:,} bytes after Base64.")
        findings.append(f"Video re-encoded at {video_bit_rate // 1000} kbit/s: {size_before:,} → "
                        f"{b64_len(len(content)):,} bytes after Base64 (limit {max_base64_bytes:,}).")
    return PreparedVideo(content=content, facts=facts, findings=findings)
