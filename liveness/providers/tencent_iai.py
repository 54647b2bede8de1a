"""Tencent Cloud API 3.0 ``DetectLiveFace`` (iai, Version 2020-03-03): static selfie liveness.

Seed 001 is the specification; docs/vendors.md lists every setting. The request goes
through the official SDK (``tencentcloud-sdk-python-common`` + ``-iai``): its
``IaiClient`` builds, TC3-HMAC-SHA256-signs and sends the request. Two facts about the
installed SDK shape this module:

* ``tencentcloud-sdk-python-iai`` 3.1.191 no longer ships ``DetectLiveFace`` (Tencent
  dropped the generated method and models when the API left its catalogue; only
  ``DetectLiveFaceAccurate`` remains). The request and response models below are the
  ones the SDK used to generate, and the call is ``IaiClient.call("DetectLiveFace",
  ...)``, which is exactly what the generated method did. When an SDK that has the
  models is installed, its models are used instead.
* ``AbstractClient.call`` may retry (``ClientProfile.retryer``), may route through a
  region circuit breaker, folds every non-200 answer into ``ServerNetworkError`` and
  silently accepts error answers whose Content-Type is not exactly
  ``application/json``. :class:`OneShotClientMixin` replaces only the answer handling:
  one HTTP request per call (no retryer, no breaker, requests' own adapter does not
  retry), a timeout told apart from a refused connection, the HTTP status kept, and
  any body that is not ``{"Response": {...}}`` reported as malformed.

The shared Tencent Cloud plumbing (client factory, error classification, image fitting)
lives here and is reused by :mod:`liveness.providers.tencent_faceid`.
"""
from __future__ import annotations

import base64
import io
import json
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests
from tencentcloud.common import credential
from tencentcloud.common.abstract_model import AbstractModel
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.http.request import ApiRequest
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.retry import NoopRetryer
from tencentcloud.iai.v20200303 import iai_client
from tencentcloud.iai.v20200303 import models as iai_models

from .base import Media, Metric, Operation, ProviderError, ProviderResult, Score

log = logging.getLogger(__name__)

VENDOR = "tencent_cloud"
MB = 1024 * 1024

# --- DetectLiveFace limits (seed 001) --------------------------------------------------
IAI_MAX_BASE64_BYTES = 5 * MB  # "Base64-encoded image data, which cannot exceed 5 MB"
IAI_MAX_LONG_SIDE = {"JPEG": 4000}  # "4,000 px for images in JPG format"
IAI_MAX_LONG_SIDE_OTHER = 2000  # "or 2,000 px for images in other formats"
IAI_MIN_SHORT_SIDE = 64  # FailedOperation.ImageResolutionTooSmall: "short edge ... smaller than 64"
IAI_FORMATS = ("JPEG", "PNG", "BMP")  # "PNG, JPG, JPEG, and BMP images are supported, while GIF images are not"
ASPECT_WIDTH_OVER_HEIGHT = 3 / 4  # "aspect ratio ... close to 3:4 (width:height)"
ASPECT_TOLERANCE = 0.15  # relative deviation from 3:4 that earns a finding (portal's choice)

#: Error code this module sets when FaceModelVersion 3.0 answers ``IsLiveness: false``.
#: Not a Tencent code (Tencent answers a boolean); see docs/vendors.md.
IS_LIVENESS_FALSE = "IsLiveness.False"

#: Error codes about the image or the person: a successful call whose verdict is "unusable".
IAI_JUDGEMENT_CODES = frozenset({
    "FailedOperation.FaceSizeTooSmall",
    "FailedOperation.ImageDecodeFailed",
    "FailedOperation.ImageFacedetectFailed",
    "FailedOperation.ImageResolutionExceed",
    "FailedOperation.ImageResolutionTooSmall",
    "FailedOperation.ImageSizeExceed",
    "InvalidParameterValue.ImageEmpty",
    "InvalidParameterValue.NoFaceInPhoto",
    "LimitExceeded.ErrorFaceNumExceed",
})

#: Codes retried when the error catalogue does not know them (the catalogue decides first).
TRANSIENT_CODES = frozenset({
    "RequestLimitExceeded",
    "RequestLimitExceeded.UinLimitExceeded",
    "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
    "RequestLimitExceeded.IPLimitExceeded",
    "FailedOperation.RequestLimitExceeded",
    "FailedOperation.RequestTimeout",
    "FailedOperation.ServerError",
    "FailedOperation.DownLoadTimeoutError",
    "FailedOperation.CompareLibServiceUnavailable",
    "FailedOperation.IdPhotoSystemNoanswer",
    "FailedOperation.LivessUnknownError",
    "FailedOperation.UnKnown",
    "FailedOperation.DbError",
    "FailedOperation.FileSaveError",
    "InternalError",
    "ResourceUnavailable.Delivering",
})

#: Fields of a vendor answer that carry images; never copied into ``ProviderResult.raw``.
IMAGE_FIELDS = frozenset({"BestFrameBase64", "BestFrameList", "base64_image", "base64_face_image", "photo"})


# --- error classification ------------------------------------------------------------------
def is_transient(vendor: str, code: str) -> bool:
    """The catalogue's verdict when it knows the code, else this module's fallback rules."""
    try:
        from . import catalogue

        known = getattr(catalogue, "is_known", None)
        if known is None or known(vendor, code):
            return bool(catalogue.is_transient(vendor, code))
    except ImportError:  # pragma: no cover - catalogue not installed yet
        pass
    return (
        code in TRANSIENT_CODES
        or code.startswith(("InternalError", "RequestLimitExceeded"))
        or code.endswith("SystemError")
    )


def strip_images(data: Any) -> Any:
    """A copy of a vendor answer without any base64 image field (for ``ProviderResult.raw``)."""
    if isinstance(data, dict):
        return {
            k: strip_images(v) for k, v in data.items()
            if k not in IMAGE_FIELDS and "base64" not in k.lower()
        }
    if isinstance(data, list):
        return [strip_images(v) for v in data]
    return data


def b64_len(n: int) -> int:
    """Length of the standard (padded) Base64 encoding of ``n`` bytes."""
    return 4 * math.ceil(n / 3)


# --- the SDK, one request per call --------------------------------------------------------
class TransportError(TencentCloudSDKException):
    """No usable HTTP answer: ``kind`` is "timeout", "connection", "tls", "status" or "malformed"."""

    def __init__(self, kind: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__("ClientNetworkError" if kind in ("timeout", "connection", "tls") else "ServerNetworkError",
                         message)
        self.kind = kind
        self.http_status = http_status


class _OneShotApiRequest(ApiRequest):
    """The SDK's transport, telling a timeout apart from other network failures."""

    def send_request(self, req_inter):
        try:
            return self._request(req_inter)
        except requests.Timeout as exc:
            raise TransportError("timeout", str(exc)) from exc
        except requests.exceptions.SSLError as exc:
            raise TransportError("tls", str(exc)) from exc
        except requests.RequestException as exc:
            raise TransportError("connection", str(exc)) from exc


class OneShotClientMixin:
    """Exactly one HTTP request per ``call``; answers checked strictly.

    The SDK still builds and signs the request (``AbstractClient._call``); this replaces
    ``call``'s retry loop and its ``_check_status``/``_check_error``.
    """

    def _one_shot_init(self) -> None:
        self.request.__class__ = _OneShotApiRequest
        self.profile.retryer = NoopRetryer()
        self.profile.disable_region_breaker = True
        self.circuit_breaker = None

    def call(self, action, params, options=None, headers=None):
        resp = self._call(action, params, options, headers)
        try:
            content = resp.content  # the SDK streams: the body is read here
        except requests.Timeout as exc:
            raise TransportError("timeout", str(exc)) from exc
        except requests.RequestException as exc:
            raise TransportError("connection", str(exc)) from exc
        status = resp.status_code
        if status != 200:
            raise TransportError("status", f"HTTP {status}: {content[:200]!r}", http_status=status)
        try:
            data = json.loads(content)
            answer = data["Response"]
            if not isinstance(answer, dict):
                raise TypeError("Response is not an object")
        except (ValueError, KeyError, TypeError) as exc:
            raise TransportError("malformed", f"not a Tencent Cloud answer ({exc}): {content[:200]!r}", http_status=status) from exc
        error = answer.get("Error")
        if error is not None:
            if not isinstance(error, dict) or not error.get("Code"):
                raise TransportError("malformed", f"Error without a Code: {content[:200]!r}", http_status=status)
            raise TencentCloudSDKException(str(error["Code"]), str(error.get("Message", "")), answer.get("RequestId"))
        return content


class OneShotIaiClient(OneShotClientMixin, iai_client.IaiClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._one_shot_init()


def make_client(client_cls, *, config: dict, default_endpoint: str):
    """An SDK client for ``config`` (endpoint, protocol, region, secret_id, secret_key, timeout)."""
    secret_id = str(config.get("secret_id") or "")
    secret_key = str(config.get("secret_key") or "")
    try:
        cred = credential.Credential(secret_id, secret_key, config.get("token") or None)
    except TencentCloudSDKException as exc:
        raise ProviderError(
            f"Tencent Cloud credentials are not configured ({exc.message}); no request was sent.",
            vendor=VENDOR, code=str(exc.code or "InvalidCredential"), transient=False,
        ) from exc
    http_profile = HttpProfile(
        protocol=str(config.get("protocol") or "https"),
        endpoint=str(config.get("endpoint") or default_endpoint),
        reqTimeout=float(config.get("timeout") or 10),
    )
    profile = ClientProfile(
        httpProfile=http_profile,
        language=str(config.get("language") or "en-US"),
        disable_region_breaker=True,
        retryer=NoopRetryer(),
    )
    return client_cls(cred, str(config.get("region") or ""), profile)


@dataclass
class VendorRefusal:
    """A Tencent ``Response.Error`` that is a verdict about the media or the person."""

    code: str
    message: str
    request_id: str


def call_tencent(client, action: str, params: dict, *, judgement: Callable[[str], bool]) -> dict | VendorRefusal:
    """One SDK call. Returns the ``Response`` object, a :class:`VendorRefusal`, or raises ProviderError."""
    try:
        body = client.call(action, params)
    except TransportError as exc:
        if exc.kind == "status":
            status = exc.http_status or 0
            raise ProviderError(
                f"Tencent Cloud {action}: HTTP {status}", vendor="http", code=str(status),
                transient=status >= 500 or status in (408, 429), http_status=status,
            ) from exc
        raise ProviderError(
            f"Tencent Cloud {action}: {exc.message}", vendor="http", code=exc.kind,
            transient=exc.kind != "tls",  # a certificate problem does not go away by itself
            http_status=exc.http_status,
        ) from exc
    except TencentCloudSDKException as exc:
        code = str(exc.code or "")
        request_id = str(exc.requestId or "")
        if is_transient(VENDOR, code):
            raise ProviderError(f"Tencent Cloud {action}: {code}: {exc.message}", vendor=VENDOR, code=code,
                                transient=True, http_status=200, request_id=request_id) from exc
        if judgement(code):
            return VendorRefusal(code=code, message=str(exc.message or ""), request_id=request_id)
        raise ProviderError(f"Tencent Cloud {action}: {code}: {exc.message}", vendor=VENDOR, code=code,
                            transient=False, http_status=200, request_id=request_id) from exc
    return json.loads(body)["Response"]


# --- image fitting ------------------------------------------------------------------------
class MediaRefused(Exception):
    """The media cannot be sent as the vendor documents it; ``code`` is the vendor's own code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class FittedImage:
    content: bytes
    format: str
    width: int
    height: int
    findings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImageLimits:
    formats: tuple[str, ...]
    max_base64_bytes: int
    max_long_side: dict[str, int]
    max_long_side_other: int
    min_short_side: int
    # the vendor's codes for each refusal
    code_empty: str
    code_format: str
    code_decode: str
    code_size: str
    code_resolution: str
    code_too_small: str
    check_aspect: bool = False


IAI_LIMITS = ImageLimits(
    formats=IAI_FORMATS, max_base64_bytes=IAI_MAX_BASE64_BYTES, max_long_side=IAI_MAX_LONG_SIDE,
    max_long_side_other=IAI_MAX_LONG_SIDE_OTHER, min_short_side=IAI_MIN_SHORT_SIDE,
    code_empty="InvalidParameterValue.ImageEmpty", code_format="FailedOperation.ImageDecodeFailed",
    code_decode="FailedOperation.ImageDecodeFailed", code_size="FailedOperation.ImageSizeExceed",
    code_resolution="FailedOperation.ImageResolutionExceed",
    code_too_small="FailedOperation.ImageResolutionTooSmall", check_aspect=True,
)


def fit_image(data: bytes, limits: ImageLimits, *, adjust: bool = True, what: str = "image") -> FittedImage:
    """Check an image against a vendor's documented limits, adjusting it where that keeps its meaning.

    With ``adjust``: EXIF orientation is applied, a format the vendor does not take (but
    not GIF) becomes JPEG, a long side over the limit is scaled down, and an image over
    the Base64 size limit is re-encoded (JPEG quality 90..70, then scaled down). Without
    ``adjust`` each of these is a refusal. Never adjusted: empty data, GIF, undecodable
    data, a short side under the minimum (upscaling invents pixels).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise MediaRefused(limits.code_empty, f"The {what} is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            fmt = (image.format or "").upper()
            if fmt == "GIF":
                raise MediaRefused(limits.code_format, f"The {what} is a GIF; the vendor does not accept GIF images.")
            image.load()
    except MediaRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise MediaRefused(limits.code_decode, f"The {what} could not be decoded ({type(exc).__name__}).") from None

    findings: list[str] = []
    changed = False
    orientation = image.getexif().get(0x0112, 1)
    if orientation not in (None, 1):
        if not adjust:
            raise MediaRefused(limits.code_format, f"The {what} relies on EXIF orientation {orientation}.")
        image = ImageOps.exif_transpose(image)
        findings.append(f"EXIF orientation {orientation} applied before sending.")
        changed = True
    if fmt not in limits.formats:
        if not adjust:
            raise MediaRefused(limits.code_format, f"The {what} is {fmt or 'an unknown format'}; accepted: {', '.join(limits.formats)}.")
        findings.append(f"{fmt or 'Image'} converted to JPEG (the vendor accepts {', '.join(limits.formats)}).")
        changed = True
    out_fmt = fmt if (not changed and fmt in limits.formats) else "JPEG"

    width, height = image.size
    if min(width, height) < limits.min_short_side:
        raise MediaRefused(limits.code_too_small,
                           f"The {what} is {width}x{height}; its short side must be at least {limits.min_short_side} px.")
    max_long = limits.max_long_side.get(out_fmt, limits.max_long_side_other)
    if max(width, height) > max_long:
        if not adjust:
            raise MediaRefused(limits.code_resolution,
                               f"The {what} is {width}x{height}; the long side may be at most {max_long} px for {out_fmt}.")
        # a non-JPEG over its limit becomes JPEG, which has the larger limit (seed 001: 4000 vs 2000)
        jpeg_long = limits.max_long_side.get("JPEG", limits.max_long_side_other)
        if out_fmt != "JPEG" and max(width, height) <= jpeg_long:
            findings.append(f"{out_fmt} of {width}x{height} converted to JPEG (long side limit {max_long} px for "
                            f"{out_fmt}, {jpeg_long} px for JPEG).")
        out_fmt = "JPEG"
        max_long = jpeg_long
        if max(width, height) > max_long:
            scale = max_long / max(width, height)
            image = image.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.LANCZOS)
            findings.append(f"Scaled from {width}x{height} to {image.width}x{image.height} (long side limit {max_long} px).")
        changed = True

    content = _encode(image, out_fmt) if changed else data
    if b64_len(len(content)) > limits.max_base64_bytes:
        if not adjust:
            raise MediaRefused(limits.code_size,
                               f"The {what} is {b64_len(len(content)):,} bytes after Base64; the limit is {limits.max_base64_bytes:,}.")
        before = len(content)
        content, image = _shrink(image, limits.max_base64_bytes, limits.min_short_side)
        out_fmt = "JPEG"
        if b64_len(len(content)) > limits.max_base64_bytes:
            raise MediaRefused(limits.code_size, f"The {what} cannot be brought under {limits.max_base64_bytes:,} bytes after Base64.")
        findings.append(f"Re-encoded from {before:,} to {len(content):,} bytes to fit the vendor's "
                        f"{limits.max_base64_bytes // MB} MB Base64 limit.")
    if limits.check_aspect:
        ratio = image.width / image.height
        if abs(ratio - ASPECT_WIDTH_OVER_HEIGHT) / ASPECT_WIDTH_OVER_HEIGHT > ASPECT_TOLERANCE:
            findings.append(
                f"Aspect ratio {image.width}x{image.height} is not close to 3:4 (width:height); "
                "Tencent documents the DetectLiveFace score as meaningless for such images."
            )
    return FittedImage(content=content, format=out_fmt, width=image.width, height=image.height, findings=findings)


def _encode(image, fmt: str, quality: int = 95) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            if "A" in image.getbands():
                from PIL import Image

                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image.convert("RGBA"), mask=image.convert("RGBA").split()[-1])
                image = background
            else:
                image = image.convert("RGB")
        image.save(out, format="JPEG", quality=quality)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def _shrink(image, max_base64_bytes: int, min_short_side: int):
    from PIL import Image

    for quality in (90, 80, 70):
        content = _encode(image, "JPEG", quality)
        if b64_len(len(content)) <= max_base64_bytes:
            return content, image
    while min(image.size) * 0.8 >= min_short_side:
        image = image.resize((round(image.width * 0.8), round(image.height * 0.8)), Image.LANCZOS)
        content = _encode(image, "JPEG", 85)
        if b64_len(len(content)) <= max_base64_bytes:
            return content, image
    return content, image


def refused_result(refusal: MediaRefused, *, vendor: str, api: str, findings: list[str] | None = None) -> ProviderResult:
    """A refusal made here, before any request: reported like the vendor's own verdict."""
    return ProviderResult(
        vendor=vendor,
        error_code=refusal.code,
        error_message=refusal.message,
        findings=[*(findings or []), f"{refusal.message} Checked before calling {api}; no request was sent."],
        raw={"refused_before_call": True, "code": refusal.code, "message": refusal.message},
    )


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

    name: ClassVar[str] = "tencent_iai"
    vendor: ClassVar[str] = VENDOR
    operations: ClassVar[frozenset[str]] = frozenset({Operation.SELFIE_LIVENESS})

    DEFAULT_ENDPOINT = "iai.tencentcloudapi.com"
    API = "DetectLiveFace"

    def __init__(self, *, config: dict) -> None:
        self.config = dict(config)
        self.config.setdefault("endpoint", self.DEFAULT_ENDPOINT)
        self.config.setdefault("protocol", "https")
        self.config.setdefault("region", "ap-guangzhou")
        self.config.setdefault("timeout", 10)
        self.face_model_version = str(self.config.get("face_model_version") or "3.0")
        if self.face_model_version not in ("2.0", "3.0"):
            raise ValueError(f"tencent_iai face_model_version must be '2.0' or '3.0', not {self.face_model_version!r}")
        self.fit_media = _as_bool(self.config.get("fit_media", True))

    def challenge_digits(self) -> str:
        raise ProviderError("DetectLiveFace is a selfie check; it issues no digits.", vendor=VENDOR,
                            code="UnsupportedOperation", transient=False)

    def check_video(self, *, video: Media, digits: str, card: Media | None) -> ProviderResult:
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
        client = make_client(OneShotIaiClient, config=self.config, default_endpoint=self.DEFAULT_ENDPOINT)
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
        score = _number(response.Score)
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


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
