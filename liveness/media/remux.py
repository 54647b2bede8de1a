"""Copy a video's streams packet by packet into a new container (no decoding, no re-encoding).

The one remux loop of the product: ``media.video`` uses it to store uploads without their tags,
``vendors.local.clip`` to cut a long upload to what the engine analyses. Django-free.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence


def copy_packets(streams: Sequence, packets: Iterable, muxer: str) -> bytes:
    """``packets`` (demuxed from an open PyAV container) of ``streams`` written into a new
    ``muxer`` container with no global or stream tags; codec parameters (with their extradata)
    and timestamps are kept. The demuxer's end-of-stream markers (no timestamp) are skipped.
    PyAV raises ``av.error.FFmpegError`` or ``ValueError`` when the muxer refuses a stream."""
    import av  # PyAV loads FFmpeg; keep it out of module import

    out = io.BytesIO()
    with av.open(out, mode="w", format=muxer) as target:
        target.metadata.clear()
        mapping = {}
        for stream in streams:
            copy = target.add_stream_from_template(stream)
            copy.metadata.clear()
            mapping[stream.index] = copy
        for packet in packets:
            if packet.dts is None and packet.pts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            target.mux(packet)
    return out.getvalue()
