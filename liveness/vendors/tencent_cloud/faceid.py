"""Tencent FaceID (Version 2018-03-01): ``GetLiveCode`` + ``LivenessCompare`` in digit (LIP) mode.

The successor of YouTu's livegetfour/livedetectfour (docs/vendors.md, vendor notes §4):
the user reads the digits ``GetLiveCode`` issued, and ``LivenessCompare`` judges the
video's liveness and compares its best frame with the ID-card photo.

Calls go through the official SDK (``tencentcloud.faceid.v20180301``: ``FaceidClient``,
``models.LivenessCompareRequest`` ...), one HTTP request each; the one-request client and the
error classification (the tencent_cloud table's rule) are shared with :mod:`.iai` through
:mod:`.transport`. Limits and judgement codes: :mod:`.spec`; video fitting: :mod:`..video_fit`.

Media are checked against the documented limits before the call and adjusted where
that keeps their meaning: the card photo (JPG/PNG, ≤ 3 MB after Base64) like the
selfie of DetectLiveFace; the video (MP4/AVI/FLV, ≤ 8 MB after Base64) is transcoded
to MP4 (H.264 + AAC, audio kept: the vendor listens to the digits) when it comes in
another container, e.g. a browser's WebM, or is re-encoded at a lower bit rate when it
is too large. Refusals made here carry the code the vendor itself would answer and
send no request.
"""
from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import replace
from typing import ClassVar

from tencentcloud.faceid.v20180301 import faceid_client
from tencentcloud.faceid.v20180301 import models as faceid_models

from ..base import Media, Metric, ProviderError, ProviderResult, Score
from ..media_fit import ImageLimits, MediaRefused, as_bool, fit_image, number, refused_result, strip_images
from ..video_fit import VideoCodes, prepare_video
from .spec import (
    FACEID_CARD_FORMATS,
    FACEID_MAX_CARD_BASE64_BYTES,
    FACEID_SPEC,
    FACEID_VIDEO_CONTAINERS,
    LIVENESS_TYPE,
    is_faceid_judgement,
)
from .transport import OneShotClientMixin, VendorRefusal, call_tencent, make_client

log = logging.getLogger(__name__)

VENDOR = FACEID_SPEC.family

#: Not a request: the portal has no card photo to send (see docs/vendors.md).
MISSING_CARD_CODE = "MissingParameter"

CARD_LIMITS = ImageLimits(
    formats=FACEID_CARD_FORMATS, max_base64_bytes=FACEID_MAX_CARD_BASE64_BYTES,
    max_long_side={}, max_long_side_other=1_000_000, min_short_side=1,  # FaceID documents no pixel limits
    code_empty="FailedOperation.EmptyImageError", code_format="FailedOperation.ImageDecodeFailed",
    code_decode="FailedOperation.ImageDecodeFailed", code_size="FailedOperation.ImageSizeTooLarge",
    code_resolution="FailedOperation.ImageSizeTooLarge", code_too_small="FailedOperation.ImageDecodeFailed",
)

FACEID_VIDEO_CODES = VideoCodes(empty="FailedOperation.LipSizeError", decode="FailedOperation.VideoDecodeFailed",
                                format="FailedOperation.VideoDecodeFailed", size="FailedOperation.LipSizeError")


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

    name: ClassVar[str] = FACEID_SPEC.name
    vendor: ClassVar[str] = FACEID_SPEC.family
    operations: ClassVar[frozenset[str]] = FACEID_SPEC.operations
    #: LivenessCompare (LIP) takes no language: its lip-language check is for digits read in Mandarin
    digit_languages: ClassVar[tuple[str, ...]] = ("zh",)

    def __init__(self, *, config: dict) -> None:
        self.config = FACEID_SPEC.with_defaults(config)
        self.fit_media = as_bool(self.config["fit_media"])
        self.video_max_base64_bytes = int(self.config["video_max_base64_bytes"])
        self.card_limits = CARD_LIMITS
        card_max = int(self.config["card_max_base64_bytes"])
        if card_max != CARD_LIMITS.max_base64_bytes:
            self.card_limits = replace(CARD_LIMITS, max_base64_bytes=card_max)

    def _client(self):
        return make_client(OneShotFaceidClient, config=self.config)

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

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "zh") -> ProviderResult:
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
