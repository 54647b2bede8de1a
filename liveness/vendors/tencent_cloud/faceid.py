"""Tencent FaceID (Version 2018-03-01): ``GetLiveCode`` + ``LivenessCompare`` in digit (LIP) mode.

The successor of YouTu's livegetfour/livedetectfour (docs/vendors.md, vendor notes §4):
the user reads the digits ``GetLiveCode`` issued, and ``LivenessCompare`` judges the
video's liveness and compares its best frame with the ID-card photo.

Calls go through the official SDK (``tencentcloud.faceid.v20180301``: ``FaceidClient``,
``models.LivenessCompareRequest`` ...), one HTTP request each; the one-request client
and the error classification are shared with :mod:`liveness.vendors.tencent_cloud`.

Media are checked against the documented limits before the call and adjusted where
that keeps their meaning: the card photo (JPG/PNG, ≤ 3 MB after Base64) like the
selfie of DetectLiveFace; the video (MP4/AVI/FLV, ≤ 5 MB after Base64) is transcoded
to MP4 (H.264 + AAC, audio kept: the vendor listens to the digits) when it comes in
another container, e.g. a browser's WebM, or is re-encoded at a lower bit rate when it
is too large. Refusals made here carry the code the vendor itself would answer and
send no request.
"""
from __future__ import annotations

import base64
import binascii
import io
import logging
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import ClassVar

from tencentcloud.faceid.v20180301 import faceid_client
from tencentcloud.faceid.v20180301 import models as faceid_models

from ..base import Media, Metric, Operation, ProviderError, ProviderResult, Score
from ..media_fit import (
    MB,
    ImageLimits,
    MediaRefused,
    as_bool,
    b64_len,
    fit_image,
    number,
    refused_result,
    strip_images,
)
from .transport import (
    VENDOR,
    OneShotClientMixin,
    VendorRefusal,
    call_tencent,
    make_client,
)

log = logging.getLogger(__name__)

# --- LivenessCompare limits (vendor notes §4; the SDK's current docstring says 8 MB for the video) ---
FACEID_MAX_VIDEO_BASE64_BYTES = 5 * MB
FACEID_MAX_CARD_BASE64_BYTES = 3 * MB
FACEID_VIDEO_CONTAINERS = ("mp4", "avi", "flv")
FACEID_CARD_FORMATS = ("JPEG", "PNG")
LIVENESS_TYPE = "LIP"

#: ``Result`` / ``Error.Code`` values that judge the media or the person (a usable answer).
FACEID_JUDGEMENT_PREFIXES = ("FailedOperation.Action", "FailedOperation.Lip", "FailedOperation.Silent",
                             "FailedOperation.LifePhoto")
FACEID_JUDGEMENT_CODES = frozenset({
    "FailedOperation.CompareFail",
    "FailedOperation.CompareLowSimilarity",
    "FailedOperation.CoveredFace",
    "FailedOperation.EmptyImageError",
    "FailedOperation.ImageBlur",
    "FailedOperation.ImageDecodeFailed",
    "FailedOperation.ImageSizeTooLarge",
    "FailedOperation.IncompleteFace",
    "FailedOperation.LivessBestFrameError",
    "FailedOperation.LivessDetectFail",
    "FailedOperation.LivessDetectFake",
    "FailedOperation.PoorImageQuality",
    "FailedOperation.VideoDecodeFailed",
    "FailedOperation.VideoDurationExceeded",
})

#: Not a request: the portal has no card photo to send (see docs/vendors.md).
MISSING_CARD_CODE = "MissingParameter"


def is_faceid_judgement(code: str) -> bool:
    return code in FACEID_JUDGEMENT_CODES or code.startswith(FACEID_JUDGEMENT_PREFIXES)


CARD_LIMITS = ImageLimits(
    formats=FACEID_CARD_FORMATS, max_base64_bytes=FACEID_MAX_CARD_BASE64_BYTES,
    max_long_side={}, max_long_side_other=1_000_000, min_short_side=1,  # FaceID documents no pixel limits
    code_empty="FailedOperation.EmptyImageError", code_format="FailedOperation.ImageDecodeFailed",
    code_decode="FailedOperation.ImageDecodeFailed", code_size="FailedOperation.ImageSizeTooLarge",
    code_resolution="FailedOperation.ImageSizeTooLarge", code_too_small="FailedOperation.ImageDecodeFailed",
)


@dataclass(frozen=True)
class VideoCodes:
    empty: str = "FailedOperation.LipSizeError"
    decode: str = "FailedOperation.VideoDecodeFailed"
    format: str = "FailedOperation.VideoDecodeFailed"
    size: str = "FailedOperation.LipSizeError"


FACEID_VIDEO_CODES = VideoCodes()


# --- video probing and transcoding (also used by the SenseID provider) ---------------------------
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


# --- the SDK client ------------------------------------------------------------------------
class OneShotFaceidClient(OneShotClientMixin, faceid_client.FaceidClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._one_shot_init()


# --- the provider --------------------------------------------------------------------------
class TencentFaceidProvider:
    """Digit video liveness + comparison with the card photo through FaceID ``LivenessCompare``.

    Config: endpoint, protocol, region, secret_id, secret_key, token, timeout, language,
    fit_media, video_max_base64_bytes, card_max_base64_bytes. See docs/vendors.md.
    """

    name: ClassVar[str] = "tencent_faceid"
    vendor: ClassVar[str] = VENDOR
    operations: ClassVar[frozenset[str]] = frozenset({Operation.DIGIT_VIDEO})

    DEFAULT_ENDPOINT = "faceid.tencentcloudapi.com"

    def __init__(self, *, config: dict) -> None:
        self.config = dict(config)
        self.config.setdefault("endpoint", self.DEFAULT_ENDPOINT)
        self.config.setdefault("protocol", "https")
        self.config.setdefault("region", "ap-guangzhou")
        self.config.setdefault("timeout", 20)
        self.fit_media = as_bool(self.config.get("fit_media", True))
        self.video_max_base64_bytes = int(self.config.get("video_max_base64_bytes") or FACEID_MAX_VIDEO_BASE64_BYTES)
        self.card_limits = CARD_LIMITS
        card_max = int(self.config.get("card_max_base64_bytes") or FACEID_MAX_CARD_BASE64_BYTES)
        if card_max != CARD_LIMITS.max_base64_bytes:
            self.card_limits = replace(CARD_LIMITS, max_base64_bytes=card_max)

    def _client(self):
        return make_client(OneShotFaceidClient, config=self.config, default_endpoint=self.DEFAULT_ENDPOINT)

    def challenge_digits(self) -> str:
        request = faceid_models.GetLiveCodeRequest()
        answer = call_tencent(self._client(), "GetLiveCode", request._serialize(), judgement=lambda code: False)
        response = faceid_models.GetLiveCodeResponse()
        response._deserialize(answer)
        code = str(response.LiveCode or "")
        if not code.isdigit():
            raise ProviderError(f"GetLiveCode answered LiveCode={response.LiveCode!r}", vendor="http", code="malformed",
                                transient=True, http_status=200, request_id=str(response.RequestId or ""))
        return code

    def check_selfie(self, *, image: Media) -> ProviderResult:
        raise ProviderError("FaceID LivenessCompare takes a video, not a selfie.", vendor=VENDOR,
                            code="UnsupportedOperation", transient=False)

    def check_video(self, *, video: Media, digits: str, card: Media | None) -> ProviderResult:
        if card is None:
            raise ProviderError(
                "Tencent FaceID LivenessCompare compares the video with a photo (ImageBase64) and this submission has "
                "no ID-card photo. Collect a card photo for this flow, or use a video provider that needs none "
                "(senseid takes the photo too; local works without). No request was sent.",
                vendor=VENDOR, code=MISSING_CARD_CODE, transient=False,
            )
        if not digits or not digits.isdigit():
            raise ProviderError(
                f"LivenessCompare in LIP mode needs the digits GetLiveCode issued (ValidateData); got {digits!r}. "
                "No request was sent.", vendor=VENDOR, code="MissingParameter", transient=False,
            )
        findings: list[str] = []
        try:
            card_fit = fit_image(card.content, self.card_limits, adjust=self.fit_media, what="ID-card photo")
            findings += card_fit.findings
            prepared = prepare_video(video.content, containers=FACEID_VIDEO_CONTAINERS,
                                     max_base64_bytes=self.video_max_base64_bytes, adjust=self.fit_media,
                                     codes=FACEID_VIDEO_CODES, api="LivenessCompare")
            findings += prepared.findings
        except MediaRefused as refusal:
            return refused_result(refusal, vendor=VENDOR, api="LivenessCompare", findings=findings)

        request = faceid_models.LivenessCompareRequest()
        request.LivenessType = LIVENESS_TYPE
        request.ValidateData = digits
        request.ImageBase64 = base64.b64encode(card_fit.content).decode("ascii")
        request.VideoBase64 = base64.b64encode(prepared.content).decode("ascii")
        answer = call_tencent(self._client(), "LivenessCompare", request._serialize(), judgement=is_faceid_judgement)
        if isinstance(answer, VendorRefusal):
            return ProviderResult(
                vendor=VENDOR, error_code=answer.code, error_message=answer.message, request_id=answer.request_id,
                findings=findings,
                raw={"Error": {"Code": answer.code, "Message": answer.message}, "RequestId": answer.request_id},
            )
        response = faceid_models.LivenessCompareResponse()
        response._deserialize(answer)
        return self._result(answer, response, findings)

    @staticmethod
    def _result(answer: dict, response, findings: list[str]) -> ProviderResult:
        request_id = str(response.RequestId or "")
        outcome = response.Result
        if not isinstance(outcome, str) or not outcome:
            raise ProviderError("LivenessCompare answered without a Result", vendor="http", code="malformed",
                                transient=True, http_status=200, request_id=request_id)
        result = ProviderResult(vendor=VENDOR, request_id=request_id, findings=findings, raw=strip_images(answer))
        sim = number(response.Sim)
        if outcome == "Success":
            if sim is None:
                raise ProviderError("LivenessCompare answered Success without Sim", vendor="http", code="malformed",
                                    transient=True, http_status=200, request_id=request_id)
            result.scores.append(Score(Metric.SIMILARITY, sim, 100.0))
        else:
            result.error_code = outcome
            result.error_message = str(response.Description or "")
            if sim is not None and outcome == "FailedOperation.CompareLowSimilarity":
                result.scores.append(Score(Metric.SIMILARITY, sim, 100.0))
        if response.BestFrameBase64:
            try:
                result.photos["best_frame"] = base64.b64decode(response.BestFrameBase64, validate=True)
            except (binascii.Error, ValueError):
                result.findings.append("BestFrameBase64 was not valid Base64; the best frame was not kept.")
        return result
