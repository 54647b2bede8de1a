"""Long videos cheaply: one encoded picture and one encoded sound packet repeated with new timestamps.

Encoding ten minutes of 640x480 VP8 takes minutes on a busy machine; the attack of issue 17 (item 1)
only needs a file that *is* ten minutes long. Every video packet is the same keyframe, so the file
decodes like a still camera; the sound is Opus silence.
"""
from __future__ import annotations

import fractions
import io

import av
import numpy as np


def _seed(size: tuple[int, int], noise: bool = False) -> bytes:
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        video = container.add_stream("libvpx", rate=5)
        video.width, video.height, video.pix_fmt = *size, "yuv420p"
        sound = container.add_stream("libopus", rate=48000)
        frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), 90, np.uint8), format="rgb24")
        for packet in video.encode(frame):
            container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        for start in range(0, 48000, 960):
            samples = (np.random.default_rng(start).normal(0, 0.2, (1, 960)) if noise else np.zeros((1, 960)))
            chunk = av.AudioFrame.from_ndarray(samples.astype(np.float32), format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 48000, start
            for packet in sound.encode(chunk):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
    return out.getvalue()


def long_webm(seconds: float, *, fps: int = 5, size: tuple[int, int] = (640, 480), live: bool = True,
              audio: bool = True, noise: bool = False) -> bytes:
    """A WebM of ``seconds`` at ``fps`` (VP8 + Opus). ``live``: no duration in the header (as a
    browser's MediaRecorder writes it), so only reading the packets tells its length. ``noise``:
    the sound is loud noise (one 20 ms packet repeated) instead of silence, so the engine's speech
    recognition runs on all of it."""
    seed = io.BytesIO(_seed(size, noise))
    out = io.BytesIO()
    with av.open(seed) as source, av.open(out, mode="w", format="webm",
                                            options={"live": "1"} if live else {}) as target:
        video_in, sound_in = source.streams.video[0], source.streams.audio[0]
        picture = next(p for p in source.demux(video_in) if p.size)
        sound_packets = [p for p in source.demux(sound_in) if p.size]
        silence = sound_packets[len(sound_packets) // 2]  # (noise when asked)
        video = target.add_stream_from_template(video_in)
        sound = target.add_stream_from_template(sound_in) if audio else None
        ms = fractions.Fraction(1, 1000)
        picture_bytes, silence_bytes = bytes(picture), bytes(silence)
        step = 20  # ms of Opus per packet
        for i in range(int(seconds * fps)):
            stamp = int(i * 1000 / fps)
            packet = av.Packet(picture_bytes)
            packet.pts = packet.dts = stamp
            packet.time_base, packet.duration, packet.is_keyframe = ms, int(1000 / fps), True
            packet.stream = video
            target.mux(packet)
            if sound is not None:
                for t in range(stamp, int((i + 1) * 1000 / fps), step):
                    chunk = av.Packet(silence_bytes)
                    chunk.pts = chunk.dts = t
                    chunk.time_base, chunk.duration = ms, step
                    chunk.stream = sound
                    target.mux(chunk)
    return out.getvalue()
