"""Bound the local engine's work on a digit video: only its first seconds reach the engine.

The engine ignores frames after ``engine.video.MAX_DURATION_S`` but still demuxed and decoded the
whole file and ran speech recognition on all of its sound: a 10-minute upload kept a worker
busy for ~10 minutes in native code (PyAV, pocketsphinx, dlib), where the soft time limit's
signal is only handled between calls, so the check was hard-killed and redelivered four times
(issue 17 item 1). Here the container is read packet by packet, without decoding, until the
first packet past the cap; a longer video is remuxed (stream copy, no re-encoding) into a
Matroska file of what came before, so every later native call works on a bounded input.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from liveness.engine.video import MAX_DURATION_S as MAX_VIDEO_SECONDS  # what the engine analyses anyway
from liveness.engine.video import READ_ERRORS  # never a catch-all: the soft time limit is an exception
from liveness.media.remux import copy_packets

#: Packets read at most (a stream of tiny packets or without timestamps cannot make reading unbounded).
MAX_PACKETS = 20_000


@dataclass(frozen=True)
class Clipped:
    """``data``: the bytes to analyse (the original when nothing was cut); ``cut_at_s``: where the
    video was cut (None when it was not)."""

    data: bytes
    cut_at_s: float | None


def video_clip(data: bytes, *, seconds: float = MAX_VIDEO_SECONDS, max_packets: int = MAX_PACKETS) -> Clipped:
    """The first ``seconds`` of ``data`` (see the module docstring). Anything PyAV cannot read is
    returned unchanged: the engine reports it (LOCAL_UNDECODABLE_VIDEO) with its own words."""
    import av

    try:
        source = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, *READ_ERRORS):  # not a video PyAV reads: the engine says so
        return Clipped(data, None)
    with source:
        streams = [s for s in source.streams if s.type in ("video", "audio")]
        if not streams:
            return Clipped(data, None)
        kept = []
        cut = False
        try:
            for count, packet in enumerate(source.demux(streams)):
                if packet.size == 0 or packet.dts is None and packet.pts is None:
                    continue  # flush packets
                at = float((packet.pts if packet.pts is not None else packet.dts) * packet.time_base)
                if at > seconds or count >= max_packets:
                    cut = True
                    break
                kept.append(packet)
        except (av.error.FFmpegError, *READ_ERRORS):  # truncated or corrupt: the engine judges what decodes
            return Clipped(data, None)
        if not cut:
            return Clipped(data, None)
        return Clipped(copy_packets(streams, kept, "matroska"), seconds)
