"""Tencent Cloud API 3.0 ``DetectLiveFace`` (iai, Version 2020-03-03): static selfie liveness.

Seed 001 is the specification; docs/vendors.md lists every setting. The request goes
through the official SDK (``tencentcloud-sdk-python-common`` + ``-iai``): its
``IaiClient`` builds, TC3-HMAC-SHA256-signs and sends the request, with the one-request-
per-call answer handling of :mod:`.transport` (shared with :mod:`.faceid`). Limits, the
judgement codes and the defaults: :mod:`.spec`; whether a failure is retried: the tencent_cloud
error table's rule (:mod:`.errors`).

``tencentcloud-sdk-python-iai`` 3.1.191 no longer ships ``DetectLiveFace`` (Tencent
dropped the generated method and models when the API left its catalogue; only
``DetectLiveFaceAccurate`` remains). The request and response models below are the
ones the SDK used to generate, and the call is ``IaiClient.call("DetectLiveFace",
...)``, which is exactly what the generated method did. When an SDK that has the
models is installed, its models are used instead.
"""
from __future__ import annotations

import base64
import logging
from typing import ClassVar

from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.iai.v20200303 import iai_client
from tencentcloud.iai.v20200303 import models as iai_models

from ..base import Media, Metric, ProviderError, ProviderResult, Score
from ..media_fit import ImageLimits, MediaRefused, as_bool, fit_image, number, refused_result, strip_images
from .spec import (
    IAI_FACE_MODEL_VERSIONS,
    IAI_FORMATS,
    IAI_JUDGEMENT_CODES,
    IAI_MAX_BASE64_BYTES,
    IAI_MAX_LONG_SIDE_JPEG,
    IAI_MAX_LONG_SIDE_OTHER,
    IAI_MIN_SHORT_SIDE,
    IAI_SPEC,
    IS_LIVENESS_FALSE,
)
from .transport import OneShotClientMixin, VendorRefusal, call_tencent, make_client

log = logging.getLogger(__name__)

VENDOR = IAI_SPEC.family

IAI_LIMITS = ImageLimits(
    formats=IAI_FORMATS, max_base64_bytes=IAI_MAX_BASE64_BYTES, max_long_side={"JPEG": IAI_MAX_LONG_SIDE_JPEG},
    max_long_side_other=IAI_MAX_LONG_SIDE_OTHER, min_short_side=IAI_MIN_SHORT_SIDE,
    code_empty="InvalidParameterValue.ImageEmpty", code_format="FailedOperation.ImageDecodeFailed",
    code_decode="FailedOperation.ImageDecodeFailed", code_size="FailedOperation.ImageSizeExceed",
    code_resolution="FailedOperation.ImageResolutionExceed",
    code_too_small="FailedOperation.ImageResolutionTooSmall", check_aspect=True,
)


# --- the SDK client: one request per call (tencent_cloud.OneShotClientMixin) ----------------
class OneShotIaiClient(OneShotClientMixin, iai_client.IaiClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._one_shot_init()


# --- DetectLiveFace models ----------------------------------------------------------------
class _DetectLiveFaceRequest(AbstractModel):
    """DetectLiveFace request (the model older SDK releases generated)."""

    def __init__(self):
        self._Image = None
        self._Url = None
        self._FaceModelVersion = None

    Image = property(lambda self: self._Image, lambda self, v: setattr(self, "_Image", v))
    Url = property(lambda self: self._Url, lambda self, v: setattr(self, "_Url", v))
    FaceModelVersion = property(lambda self: self._FaceModelVersion,
                                lambda self, v: setattr(self, "_FaceModelVersion", v))

    def _deserialize(self, params):
        self._Image = params.get("Image")
        self._Url = params.get("Url")
        self._FaceModelVersion = params.get("FaceModelVersion")


class _DetectLiveFaceResponse(AbstractModel):
    """DetectLiveFace response (the model older SDK releases generated)."""

    def __init__(self):
        self._Score = None
        self._FaceModelVersion = None
        self._IsLiveness = None
        self._RequestId = None

    Score = property(lambda self: self._Score)
    FaceModelVersion = property(lambda self: self._FaceModelVersion)
    IsLiveness = property(lambda self: self._IsLiveness)
    RequestId = property(lambda self: self._RequestId)

    def _deserialize(self, params):
        self._Score = params.get("Score")
        self._FaceModelVersion = params.get("FaceModelVersion")
        self._IsLiveness = params.get("IsLiveness")
        self._RequestId = params.get("RequestId")


DetectLiveFaceRequest = getattr(iai_models, "DetectLiveFaceRequest", _DetectLiveFaceRequest)
DetectLiveFaceResponse = getattr(iai_models, "DetectLiveFaceResponse", _DetectLiveFaceResponse)


# --- the provider -------------------------------------------------------------------------
class TencentIaiProvider:
    """Selfie liveness through ``DetectLiveFace``.

    Config: endpoint, protocol, region, secret_id, secret_key, token, timeout, language,
    face_model_version ("2.0" | "3.0"), fit_media (bool). See docs/vendors.md.
    """

    name: ClassVar[str] = IAI_SPEC.name
    vendor: ClassVar[str] = IAI_SPEC.family
    operations: ClassVar[frozenset[str]] = IAI_SPEC.operations

    API = "DetectLiveFace"

    def __init__(self, *, config: dict) -> None:
        self.config = IAI_SPEC.with_defaults(config)
        self.face_model_version = str(self.config["face_model_version"])
        if self.face_model_version not in IAI_FACE_MODEL_VERSIONS:
            raise ValueError(f"tencent_iai face_model_version must be '2.0' or '3.0', not {self.face_model_version!r}")
        self.fit_media = as_bool(self.config["fit_media"])

    def challenge_digits(self) -> str:
        raise ProviderError("DetectLiveFace is a selfie check; it issues no digits.", vendor=VENDOR,
                            code="UnsupportedOperation", transient=False)

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "en") -> ProviderResult:
        raise ProviderError("DetectLiveFace does not take videos.", vendor=VENDOR, code="UnsupportedOperation",
                            transient=False)

    def check_selfie(self, *, image: Media) -> ProviderResult:
        try:
            fitted = fit_image(image.content, IAI_LIMITS, adjust=self.fit_media, what="selfie")
        except MediaRefused as refusal:
            return refused_result(refusal, vendor=VENDOR, api=self.API)

        request = DetectLiveFaceRequest()
        request.Image = base64.b64encode(fitted.content).decode("ascii")
        request.FaceModelVersion = self.face_model_version
        client = make_client(OneShotIaiClient, config=self.config)
        answer = call_tencent(client, self.API, request._serialize(), judgement=IAI_JUDGEMENT_CODES.__contains__)
        findings = list(fitted.findings)
        if isinstance(answer, VendorRefusal):
            return ProviderResult(
                vendor=VENDOR, error_code=answer.code, error_message=answer.message, request_id=answer.request_id,
                findings=findings,
                raw={"Error": {"Code": answer.code, "Message": answer.message}, "RequestId": answer.request_id},
            )
        response = DetectLiveFaceResponse()
        response._deserialize(answer)
        return self._result(answer, response, findings)

    def _result(self, answer: dict, response, findings: list[str]) -> ProviderResult:
        version = str(response.FaceModelVersion or self.face_model_version)
        result = ProviderResult(vendor=VENDOR, request_id=str(response.RequestId or ""), findings=findings,
                                raw=strip_images(answer))
        score = number(response.Score)
        if version == "2.0":
            if score is None:
                raise ProviderError("DetectLiveFace (2.0) answered without a Score", vendor="http", code="malformed",
                                    transient=True, http_status=200, request_id=result.request_id)
            result.scores.append(Score(Metric.LIVENESS, score, 100.0))
            return result
        # 3.0 (and any later version): IsLiveness is the verdict; Score is shown for reference only
        if not isinstance(response.IsLiveness, bool):
            raise ProviderError(f"DetectLiveFace ({version}) answered without IsLiveness", vendor="http",
                                code="malformed", transient=True, http_status=200, request_id=result.request_id)
        if score is not None:
            result.scores.append(Score("liveness_reference", score, 100.0))
        if not response.IsLiveness:
            result.error_code = IS_LIVENESS_FALSE
            result.error_message = f"DetectLiveFace (FaceModelVersion {version}) answered IsLiveness=false."
        return result


