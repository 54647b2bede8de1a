"""Wire-compatible emulator of Tencent Cloud API 3.0 for ``iai`` DetectLiveFace and ``faceid``
GetLiveCode / LivenessCompare, backed by the local engine.

Requests are what the official SDKs send: ``POST /`` with a JSON body, the action in
``X-TC-Action``, ``X-TC-Version``, ``X-TC-Timestamp``, ``X-TC-Region`` and an
``Authorization: TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request,
SignedHeaders=content-type;host, Signature=<hex>`` header. The signature is recomputed
exactly as ``tencentcloud.common.abstract_client`` builds it (canonical request: method,
``/``, empty query, the signed headers, SHA-256 of the body; string to sign with the
timestamp and the credential scope; key derived from ``"TC3" + SecretKey`` → date →
service → ``tc3_request``). Checks, in this order, each with Tencent's own error code:

==========================================  =================================================
Authorization missing or not TC3 / no scope  ``AuthFailure.InvalidAuthorization``
X-TC-Timestamp not within 5 minutes          ``AuthFailure.SignatureExpire``
service not iai/faceid                       ``AuthFailure.InvalidAuthorization``
SecretId not the configured one              ``AuthFailure.SecretIdNotFound``
signature (or its date) does not match       ``AuthFailure.SignatureFailure``
X-TC-Version unknown for the service         ``NoSuchVersion``
action not offered by the service            ``InvalidAction``
body not a JSON object                       ``InvalidParameter``
==========================================  =================================================

Accepted credentials come from ``settings.KYC_PROVIDERS["tencent_iai"]`` (service iai)
and ``["tencent_faceid"]`` (service faceid), read on every request so
``override_settings`` works. When a dict has no secret_id/secret_key the built-in
:data:`DEFAULT_ACCOUNT` is accepted instead (a demo with no configuration).

Answers follow the vendor documents: DetectLiveFace (seed 001: limits and codes),
LivenessCompare (FaceID API docs: ``Result``, ``Description``, ``Sim``,
``BestFrameBase64``). The engine's verdicts are translated by the explicit tables
:data:`SELFIE_ERRORS` and :data:`VIDEO_RESULTS`; the engine's liveness score is mapped
onto DetectLiveFace's scale by :func:`tencent_liveness_score` so that Tencent's
recommended threshold (87) gives the engine's own verdict.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .http import SandboxRequest, SandboxResponse, json_response

MB = 1024 * 1024
SIGNATURE_WINDOW_S = 300  # "X-TC-Timestamp ... within 5 minutes"

#: Accepted when settings carry no Tencent Cloud credentials.
DEFAULT_ACCOUNT = {"secret_id": "AKIDsandboxTencentCloud0000000000000", "secret_key": "sandboxTencentCloudSecretKey0000"}

SERVICES: dict[str, dict[str, Any]] = {
    # DetectLiveFace exists in iai 2018-03-01 and 2020-03-03 with the same contract
    "iai": {"settings": "tencent_iai", "versions": ("2020-03-03", "2018-03-01"), "region_required": True},
    "faceid": {"settings": "tencent_faceid", "versions": ("2018-03-01",), "region_required": False},
}

# --- DetectLiveFace (seed 001) ----------------------------------------------------------------
IAI_MAX_BASE64 = 5 * MB
IAI_MAX_LONG_SIDE_JPEG = 4000
IAI_MAX_LONG_SIDE_OTHER = 2000
IAI_MIN_SHORT_SIDE = 64
IAI_FORMATS = ("JPEG", "PNG", "BMP")
IAI_DEFAULT_FACE_MODEL_VERSION = "3.0"  # "3.0 by default starting from April 2, 2020"
TENCENT_LIVENESS_THRESHOLD = 87.0  # seed 001's recommendation for the 2.0 Score
DEFAULT_ENGINE_LIVENESS_THRESHOLD = 70.0  # liveness.engine.RECOMMENDED_THRESHOLDS["liveness"]
PAD_CODES = frozenset({"LOCAL_SCREEN_REPLAY", "LOCAL_PRINT_ATTACK", "LOCAL_FRAME_BORDER", "LOCAL_FACE_CHANGED"})

# --- LivenessCompare (FaceID API docs) ------------------------------------------------------------
FACEID_MAX_IMAGE_BASE64 = 3 * MB
FACEID_MAX_VIDEO_BASE64 = 5 * MB
FACEID_IMAGE_FORMATS = ("JPEG", "PNG")
FACEID_VIDEO_CONTAINERS = ("mp4", "avi", "flv")
FACEID_MIN_VIDEO_SHORT_SIDE = 270  # FailedOperation.LipVideoQuaility: "minimum 270*480"
FACEID_MIN_VIDEO_LONG_SIDE = 480
FACEID_SIM_THRESHOLD = 70.0  # FaceID: "fixed threshold 70, false accept 1/10,000"; below -> CompareLowSimilarity

#: Tencent's words for every code this emulator answers: code -> (zh-CN, en-US).
MESSAGES: dict[str, tuple[str, str]] = {
    "Success": ("成功", "Success"),
    "AuthFailure.InvalidAuthorization": ("请求头部的 Authorization 不符合腾讯云标准。",
                                         "The Authorization header does not follow the Tencent Cloud standard."),
    "AuthFailure.SignatureExpire": ("签名过期。", "The signature has expired."),
    "AuthFailure.SecretIdNotFound": ("密钥不存在。", "The SecretId does not exist."),
    "AuthFailure.SignatureFailure": ("签名错误。", "Signature verification failed."),
    "NoSuchVersion": ("接口版本不存在。", "The API version does not exist."),
    "InvalidAction": ("接口不存在。", "The action does not exist."),
    "InvalidParameter": ("参数错误。", "Invalid parameter."),
    "InvalidParameterValue": ("参数取值错误。", "Invalid parameter value."),
    "MissingParameter": ("缺少参数错误。", "A required parameter is missing."),
    "InternalError": ("内部错误。", "Internal error."),
    "RequestLimitExceeded": ("请求的次数超过了频率限制。", "The request frequency exceeds the limit."),
    "FailedOperation.RequestLimitExceeded": ("请求频率超过限制。", "The request frequency exceeds the limit."),
    "FailedOperation.ImageDecodeFailed": ("图片解码失败。", "Image decoding failed."),
    "FailedOperation.ImageDownloadError": ("图片下载错误。", "An error occurred while downloading the image."),
    "FailedOperation.ImageResolutionExceed": ("图片分辨率过大。", "The image resolution is too high."),
    "FailedOperation.ImageResolutionTooSmall": ("图片短边分辨率小于64。",
                                                "The image short edge resolution is smaller than 64."),
    "FailedOperation.ImageSizeExceed": ("base64编码后的图片数据大小不超过5M。",
                                        "The size of the Base64-encoded image cannot exceed 5 MB."),
    "FailedOperation.FaceSizeTooSmall": ("人脸框大小小于MinFaceSize设置，人脸被过滤。",
                                         "The face frame size is smaller than the MinFaceSize value, and the face is "
                                         "filtered out."),
    "InvalidParameterValue.NoFaceInPhoto": ("图片中没有人脸。", "There are no faces in the image."),
    "InvalidParameterValue.ImageEmpty": ("图片为空。", "Empty image."),
    "InvalidParameterValue.FaceModelVersionIllegal": ("算法模型版本不合法。", "The algorithm model version is invalid."),
    "MissingParameter.ErrorParameterEmpty": ("必选参数为空。", "A required parameter is empty."),
    "LimitExceeded.ErrorFaceNumExceed": ("人脸个数超过限制。", "The number of faces exceeds the limit."),
    # FaceID
    "FailedOperation.ImageSizeTooLarge": ("图片尺寸过大。", "The image is too large."),
    "FailedOperation.DownLoadError": ("文件下载失败。", "File download failed."),
    "FailedOperation.VideoDecodeFailed": ("视频解码失败。", "Video decoding failed."),
    "FailedOperation.LipVideoInvalid": ("视频格式有误。", "The video format is invalid."),
    "FailedOperation.LipSizeError": ("视频为空，或大小不合适，请控制录制时长在6s左右。",
                                     "The video is empty or its size is not suitable; keep the recording about 6 s."),
    "FailedOperation.LipVideoQuaility": ("视频像素太低，最小270*480。", "The video resolution is too low (minimum 270*480)."),
    "FailedOperation.LipFaceIncomplete": ("面部未完整露出。", "The face is not fully visible."),
    "FailedOperation.SilentMultiFaceFail": ("检测到多张人脸。", "More than one face was detected."),
    "FailedOperation.ActionFaceFar": ("脸离屏幕太远。", "The face is too far from the camera."),
    "FailedOperation.ActionLightDark": ("光线太暗。", "The light is too dark."),
    "FailedOperation.LivessDetectFake": ("疑似非真人录制。", "Suspected not a live person."),
    "FailedOperation.LivessDetectFail": ("活体检测未通过。", "Liveness detection failed."),
    "FailedOperation.LipVoiceDetect": ("未检测到声音。", "No voice was detected."),
    "FailedOperation.LipVoiceLow": ("视频声音太小。", "The voice in the video is too low."),
    "FailedOperation.LipVoiceRecognize": ("声音识别失败。", "The spoken digits were not recognised."),
    "FailedOperation.LipMoveSmall": ("嘴唇动作幅度过小。", "The lip movement is too small."),
    "FailedOperation.LifePhotoDetectNoFaces": ("照片未检测到完整人脸。", "No complete face was detected in the photo."),
    "FailedOperation.CompareLowSimilarity": ("比对相似度未达到通过标准。",
                                             "The similarity did not reach the passing standard."),
    "FailedOperation.LivessUnknownError": ("视频实人检测未通过。", "Video liveness detection failed."),
}

#: local engine code -> DetectLiveFace error code; codes not listed are scored, not refused.
SELFIE_ERRORS: dict[str, str] = {
    "LOCAL_UNDECODABLE_IMAGE": "FailedOperation.ImageDecodeFailed",
    "LOCAL_NO_FACE": "InvalidParameterValue.NoFaceInPhoto",
    "LOCAL_FACE_TOO_SMALL": "FailedOperation.FaceSizeTooSmall",
    "LOCAL_MULTIPLE_FACES": "LimitExceeded.ErrorFaceNumExceed",
}

#: local engine code -> LivenessCompare ``Result`` (FaceID's FailedOperation list).
VIDEO_RESULTS: dict[str, str] = {
    "LOCAL_UNDECODABLE_VIDEO": "FailedOperation.VideoDecodeFailed",
    "LOCAL_UNDECODABLE_IMAGE": "FailedOperation.ImageDecodeFailed",
    "LOCAL_NO_FACE": "FailedOperation.LipFaceIncomplete",
    "LOCAL_FACE_LOST": "FailedOperation.LipFaceIncomplete",
    "LOCAL_POSE": "FailedOperation.LipFaceIncomplete",
    "LOCAL_MULTIPLE_FACES": "FailedOperation.SilentMultiFaceFail",
    "LOCAL_FACE_TOO_SMALL": "FailedOperation.ActionFaceFar",
    "LOCAL_BLURRY": "FailedOperation.LipVideoQuaility",
    "LOCAL_EXPOSURE": "FailedOperation.ActionLightDark",
    "LOCAL_SCREEN_REPLAY": "FailedOperation.LivessDetectFake",
    "LOCAL_PRINT_ATTACK": "FailedOperation.LivessDetectFake",
    "LOCAL_FRAME_BORDER": "FailedOperation.LivessDetectFake",
    "LOCAL_FACE_CHANGED": "FailedOperation.LivessDetectFake",
    "LOCAL_VIDEO_TOO_SHORT": "FailedOperation.LipSizeError",
    "LOCAL_VIDEO_RESOLUTION_TOO_LOW": "FailedOperation.LipVideoQuaility",
    "LOCAL_NO_AUDIO": "FailedOperation.LipVoiceDetect",
    "LOCAL_AUDIO_TOO_QUIET": "FailedOperation.LipVoiceLow",
    "LOCAL_WRONG_DIGITS": "FailedOperation.LipVoiceRecognize",
    "LOCAL_NO_SPEECH": "FailedOperation.LipVoiceDetect",
    "LOCAL_NO_LIP_MOVEMENT": "FailedOperation.LipMoveSmall",
    "LOCAL_LIPS_OUT_OF_SYNC": "FailedOperation.LivessDetectFail",
    "LOCAL_CARD_NO_FACE": "FailedOperation.LifePhotoDetectNoFaces",
    "LOCAL_DIFFERENT_PERSON": "FailedOperation.CompareLowSimilarity",
}
VIDEO_RESULT_FALLBACK = "FailedOperation.LivessUnknownError"


class _Reject(Exception):
    def __init__(self, code: str, detail: str = "", status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.status = status


# --- answers -----------------------------------------------------------------------------------
def _english(request: SandboxRequest | None) -> bool:
    return bool(request is not None and request.header("x-tc-language", "zh-CN").lower().startswith("en"))


def message(code: str, detail: str = "", *, english: bool = False) -> str:
    zh, en = MESSAGES.get(code, ("", ""))
    text = (en if english else zh) or code
    return f"{text} ({detail})" if detail else text


def answer(data: dict[str, Any], status: int = 200) -> SandboxResponse:
    return json_response({"Response": {**data, "RequestId": str(uuid.uuid4())}}, status=status)


def error(code: str, detail: str = "", *, request: SandboxRequest | None = None, status: int = 200) -> SandboxResponse:
    return answer({"Error": {"Code": code, "Message": message(code, detail, english=_english(request))}}, status=status)


def rate_limited(request: SandboxRequest) -> SandboxResponse:
    """Frequency control: DetectLiveFace documents its own code (seed 001); FaceID the common one."""
    code = "FailedOperation.RequestLimitExceeded" if request.header("x-tc-action") == "DetectLiveFace" \
        else "RequestLimitExceeded"
    return error(code, request=request)


def server_error(request: SandboxRequest) -> SandboxResponse:
    """A backend failure as a gateway reports it: HTTP 500 carrying Tencent's InternalError body."""
    return error("InternalError", "sandbox server_error", request=request, status=500)


def outcome_code(body: bytes) -> str:
    """Error.Code, else LivenessCompare's Result, else "0" (for the sandbox's call log)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    response = data.get("Response") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        return ""
    if isinstance(response.get("Error"), dict):
        return str(response["Error"].get("Code", ""))
    if isinstance(response.get("Result"), str):
        return response["Result"]
    return "0"


# --- accounts and the TC3 signature ------------------------------------------------------------
def _settings_for(service: str) -> dict:
    try:
        from django.conf import settings

        if settings.configured:
            return dict((getattr(settings, "KYC_PROVIDERS", {}) or {}).get(SERVICES[service]["settings"], {}) or {})
    except Exception:  # pragma: no cover - Django absent or broken settings
        pass
    return {}


def account_for(service: str) -> tuple[str, str]:
    cfg = _settings_for(service)
    if cfg.get("secret_id") and cfg.get("secret_key"):
        return str(cfg["secret_id"]), str(cfg["secret_key"])
    return DEFAULT_ACCOUNT["secret_id"], DEFAULT_ACCOUNT["secret_key"]


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(*, secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    k_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    k_service = _hmac(k_date, service)
    k_signing = _hmac(k_service, "tc3_request")
    return hmac.new(k_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def canonical_request(request: SandboxRequest, signed_headers: list[str], *, lower_values: bool = False) -> str:
    payload = request.body
    if request.header("x-tc-content-sha256") == "UNSIGNED-PAYLOAD":
        payload = b"UNSIGNED-PAYLOAD"
    query = ""  # POST: the SDK signs an empty canonical query string
    headers = ""
    for name in signed_headers:
        value = request.header(name).strip()
        headers += f"{name}:{value.lower() if lower_values else value}\n"
    return "\n".join([request.method, request.path or "/", query, headers, ";".join(signed_headers),
                      hashlib.sha256(payload).hexdigest()])


def _parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != "TC3-HMAC-SHA256":
        raise _Reject("AuthFailure.InvalidAuthorization", "the algorithm must be TC3-HMAC-SHA256")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, _, val = item.strip().partition("=")
        if key:
            parts[key.strip()] = val.strip()
    if not all(parts.get(k) for k in ("Credential", "SignedHeaders", "Signature")):
        raise _Reject("AuthFailure.InvalidAuthorization", "Credential, SignedHeaders and Signature are required")
    return parts


def verify_tc3(request: SandboxRequest, *, now: float | None = None) -> str:
    """Check the request's TC3-HMAC-SHA256 signature; returns the service. Raises _Reject."""
    authorization = request.header("authorization")
    if not authorization:
        raise _Reject("AuthFailure.InvalidAuthorization", "no Authorization header")
    parts = _parse_authorization(authorization)
    scope = parts["Credential"].split("/")
    if len(scope) != 4 or scope[3] != "tc3_request":
        raise _Reject("AuthFailure.InvalidAuthorization", "Credential must be SecretId/date/service/tc3_request")
    secret_id, date, service, _ = scope
    try:
        timestamp = int(request.header("x-tc-timestamp"))
    except ValueError:
        raise _Reject("AuthFailure.InvalidAuthorization", "X-TC-Timestamp must be a Unix time in seconds") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_WINDOW_S:
        raise _Reject("AuthFailure.SignatureExpire", f"X-TC-Timestamp {timestamp} is more than 5 minutes from now")
    if service not in SERVICES:
        raise _Reject("AuthFailure.InvalidAuthorization", f"unknown service {service!r} in the credential scope")
    expected_id, secret_key = account_for(service)
    if not hmac.compare_digest(secret_id, expected_id):
        raise _Reject("AuthFailure.SecretIdNotFound", f"SecretId {secret_id[:8]}... is not known")
    if date != datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d"):
        raise _Reject("AuthFailure.SignatureFailure", "the credential date is not the UTC date of X-TC-Timestamp")
    signed_headers = [h.strip().lower() for h in parts["SignedHeaders"].split(";") if h.strip()]
    if "content-type" not in signed_headers or "host" not in signed_headers:
        raise _Reject("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host")
    scope_text = f"{date}/{service}/tc3_request"
    for lower_values in (False, True):  # the SDK signs header values as sent; the spec lowercases them
        digest = hashlib.sha256(canonical_request(request, signed_headers, lower_values=lower_values)
                                .encode("utf-8")).hexdigest()
        string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope_text}\n{digest}"
        expected = tc3_signature(secret_key=secret_key, date=date, service=service, string_to_sign=string_to_sign)
        if hmac.compare_digest(expected, parts["Signature"]):
            return service
    raise _Reject("AuthFailure.SignatureFailure", "the signature does not match")


# --- helpers -------------------------------------------------------------------------------------
def _engine():
    from liveness import engine

    return engine


def _decode_b64(value: Any, code: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise _Reject("InvalidParameter", f"{what} must be a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _Reject(code, f"{what} is not valid Base64") from None


def _image_format(data: bytes) -> tuple[str, int, int]:
    """(format, width, height); raises ValueError when Pillow cannot decode the image."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = (image.format or "").upper()
            image.load()
            return fmt, image.width, image.height
    except Exception as exc:
        raise ValueError(str(exc)) from None


def _fetch(url: Any, code: str) -> bytes:
    """The Url forms: only the sandbox's own loopback fixtures are reachable."""
    if not isinstance(url, str):
        raise _Reject("InvalidParameter", "Url must be a string")
    try:
        from .youtu import _Reject as YoutuReject
        from .youtu import fetch_url
    except ImportError:  # pragma: no cover
        raise _Reject(code, "URL download is not available in this sandbox") from None
    try:
        return fetch_url(url)
    except YoutuReject as exc:
        raise _Reject(code, exc.detail if hasattr(exc, "detail") else str(exc)) from None


def engine_liveness_threshold() -> float:
    """The engine's own recommended liveness threshold (its verdict line)."""
    try:
        return float(_engine().RECOMMENDED_THRESHOLDS["liveness"])
    except (ImportError, AttributeError, KeyError, TypeError, ValueError):
        return DEFAULT_ENGINE_LIVENESS_THRESHOLD


def tencent_liveness_score(engine_score: float, engine_threshold: float | None = None) -> float:
    """The engine's 0..100 score on DetectLiveFace's scale, piecewise linear so that the
    engine's threshold lands on Tencent's recommended 87 (and 0 ↦ 0, 100 ↦ 100)."""
    t = engine_liveness_threshold() if engine_threshold is None else float(engine_threshold)
    s = max(0.0, min(100.0, float(engine_score)))
    if s >= t:
        mapped = TENCENT_LIVENESS_THRESHOLD + (s - t) * ((100 - TENCENT_LIVENESS_THRESHOLD) / max(1e-6, 100 - t))
    else:
        mapped = s * TENCENT_LIVENESS_THRESHOLD / max(1e-6, t)
    return round(mapped, 2)


def finding_codes(findings: list[str]) -> set[str]:
    """The engine codes its findings start with ("LOCAL_X: text (-N)")."""
    return {f.split(":", 1)[0].strip() for f in findings if f.startswith("LOCAL_")}


def _issue_digits() -> str:
    try:
        return str(_engine().new_challenge_digits())
    except (ImportError, AttributeError):  # engine not installed: still issue digits
        return "".join(secrets.choice("0123456789") for _ in range(4))


# --- actions ------------------------------------------------------------------------------------
def detect_live_face(params: dict[str, Any], request: SandboxRequest) -> SandboxResponse:
    version = params.get("FaceModelVersion") or IAI_DEFAULT_FACE_MODEL_VERSION
    if version not in ("2.0", "3.0"):
        raise _Reject("InvalidParameterValue.FaceModelVersionIllegal", f"FaceModelVersion {version!r}")
    if params.get("Url"):  # "if both are provided, only Url will be used"
        image = _fetch(params["Url"], "FailedOperation.ImageDownloadError")
        if len(base64.b64encode(image)) > IAI_MAX_BASE64:
            raise _Reject("FailedOperation.ImageSizeExceed", f"{len(image)} bytes at the Url")
    elif "Image" not in params or params["Image"] is None:
        raise _Reject("MissingParameter.ErrorParameterEmpty", "either Image or Url is required")
    elif params["Image"] == "":
        raise _Reject("InvalidParameterValue.ImageEmpty")
    else:
        if len(params["Image"]) > IAI_MAX_BASE64:
            raise _Reject("FailedOperation.ImageSizeExceed", f"{len(params['Image'])} Base64 bytes")
        image = _decode_b64(params["Image"], "FailedOperation.ImageDecodeFailed", "Image")
    try:
        fmt, width, height = _image_format(image)
    except ValueError as exc:
        raise _Reject("FailedOperation.ImageDecodeFailed", str(exc)) from None
    if fmt not in IAI_FORMATS:
        raise _Reject("FailedOperation.ImageDecodeFailed", f"{fmt or 'unknown'} images are not supported")
    max_long = IAI_MAX_LONG_SIDE_JPEG if fmt == "JPEG" else IAI_MAX_LONG_SIDE_OTHER
    if max(width, height) > max_long:
        raise _Reject("FailedOperation.ImageResolutionExceed", f"{width}x{height} {fmt}: long side over {max_long}")
    if min(width, height) < IAI_MIN_SHORT_SIDE:
        raise _Reject("FailedOperation.ImageResolutionTooSmall", f"{width}x{height}")

    result = _engine().analyse_selfie(image)
    code = str(result.code)
    if code in SELFIE_ERRORS:
        raise _Reject(SELFIE_ERRORS[code], f"engine: {code}")
    engine_score = float(result.score) if result.score is not None else 0.0
    score = tencent_liveness_score(engine_score)
    is_liveness = bool(result.ok) and score >= TENCENT_LIVENESS_THRESHOLD
    return answer({"Score": score, "IsLiveness": is_liveness, "FaceModelVersion": version})


def get_live_code(params: dict[str, Any], request: SandboxRequest) -> SandboxResponse:
    return answer({"LiveCode": _issue_digits()})


def _video_kind(data: bytes) -> str:
    from liveness.providers.tencent_faceid import probe_video

    return probe_video(data).kind


def liveness_compare(params: dict[str, Any], request: SandboxRequest) -> SandboxResponse:
    english = _english(request)
    liveness_type = params.get("LivenessType")
    if not liveness_type:
        raise _Reject("MissingParameter", "LivenessType is required")
    if liveness_type != "LIP":
        raise _Reject("InvalidParameterValue", f"LivenessType {liveness_type!r}: the sandbox emulates LIP only")
    digits = params.get("ValidateData")
    if not isinstance(digits, str) or not digits.isdigit():
        raise _Reject("InvalidParameterValue", "ValidateData must be the digits GetLiveCode issued")
    # the photo: "if both are provided, only ImageBase64 is used"
    if params.get("ImageBase64"):
        if len(params["ImageBase64"]) > FACEID_MAX_IMAGE_BASE64:
            raise _Reject("FailedOperation.ImageSizeTooLarge", f"{len(params['ImageBase64'])} Base64 bytes > 3 MB")
        card = _decode_b64(params["ImageBase64"], "FailedOperation.ImageDecodeFailed", "ImageBase64")
    elif params.get("ImageUrl"):
        card = _fetch(params["ImageUrl"], "FailedOperation.DownLoadError")
        if len(base64.b64encode(card)) > FACEID_MAX_IMAGE_BASE64:
            raise _Reject("FailedOperation.ImageSizeTooLarge", "the image at ImageUrl is over 3 MB after Base64")
    else:
        raise _Reject("InvalidParameter", "one of ImageBase64 and ImageUrl is required")
    try:
        fmt, _, _ = _image_format(card)
    except ValueError as exc:
        raise _Reject("FailedOperation.ImageDecodeFailed", str(exc)) from None
    if fmt not in FACEID_IMAGE_FORMATS:
        raise _Reject("FailedOperation.ImageDecodeFailed", f"{fmt or 'unknown'}: only JPG and PNG are supported")
    # the video
    if params.get("VideoBase64"):
        if len(params["VideoBase64"]) > FACEID_MAX_VIDEO_BASE64:
            raise _Reject("FailedOperation.LipSizeError", f"{len(params['VideoBase64'])} Base64 bytes > 5 MB")
        video = _decode_b64(params["VideoBase64"], "FailedOperation.VideoDecodeFailed", "VideoBase64")
    elif params.get("VideoUrl"):
        video = _fetch(params["VideoUrl"], "FailedOperation.DownLoadError")
    else:
        raise _Reject("InvalidParameter", "one of VideoBase64 and VideoUrl is required")
    try:
        kind = _video_kind(video)
    except ValueError as exc:
        raise _Reject("FailedOperation.VideoDecodeFailed", str(exc)) from None
    if kind not in FACEID_VIDEO_CONTAINERS:
        raise _Reject("FailedOperation.LipVideoInvalid", f"{kind}: only MP4, AVI and FLV are supported")

    result = _engine().analyse_digit_video(
        video, digits=digits, card=card,
        min_short_side=FACEID_MIN_VIDEO_SHORT_SIDE, min_long_side=FACEID_MIN_VIDEO_LONG_SIDE,
    )
    return answer(video_verdict(result, english=english))


def video_verdict(result: Any, *, english: bool = False) -> dict[str, Any]:
    """LivenessCompare's answer fields for an engine result (order: liveness, then comparison)."""
    similarity = result.similarity
    sim = float(similarity.score) if similarity is not None and similarity.score is not None else None
    outcome = "Success"
    if not result.ok:
        outcome = VIDEO_RESULTS.get(str(result.code), VIDEO_RESULT_FALLBACK)
    elif result.score is not None and float(result.score) < engine_liveness_threshold():
        # the engine's presentation-attack cues lower the score without failing it: its verdict
        pad = finding_codes(result.findings) & PAD_CODES
        outcome = "FailedOperation.LivessDetectFake" if pad else "FailedOperation.LivessDetectFail"
    elif similarity is None:
        outcome = "FailedOperation.LifePhotoDetectNoFaces"
    elif not similarity.ok and str(similarity.code) != "LOCAL_DIFFERENT_PERSON":
        outcome = VIDEO_RESULTS.get(str(similarity.code), VIDEO_RESULT_FALLBACK)
    elif sim is None or sim < FACEID_SIM_THRESHOLD:
        outcome = "FailedOperation.CompareLowSimilarity"
    if outcome != "Success":
        return {
            "BestFrameBase64": None,
            "Sim": round(sim, 2) if (sim is not None and outcome == "FailedOperation.CompareLowSimilarity") else 0.0,
            "Result": outcome,
            "Description": message(outcome, english=english),
            "BestFrameList": None,
        }
    best = result.best_frame_jpeg
    return {
        "BestFrameBase64": base64.b64encode(best).decode("ascii") if best else None,
        "Sim": round(sim, 2),
        "Result": "Success",
        "Description": message("Success", english=english),
        "BestFrameList": None,
    }


ACTIONS: dict[str, dict[str, Callable[[dict[str, Any], SandboxRequest], SandboxResponse]]] = {
    "iai": {"DetectLiveFace": detect_live_face},
    "faceid": {"GetLiveCode": get_live_code, "LivenessCompare": liveness_compare},
}


# --- entry point -------------------------------------------------------------------------------
def handle(request: SandboxRequest) -> SandboxResponse:
    try:
        if request.method != "POST":
            raise _Reject("InvalidParameter", "the sandbox emulates the SDKs' POST requests only")
        service = verify_tc3(request)
        version = request.header("x-tc-version")
        if version not in SERVICES[service]["versions"]:
            raise _Reject("NoSuchVersion", f"{service} has no version {version!r}")
        action = request.header("x-tc-action")
        func = ACTIONS[service].get(action)
        if func is None:
            raise _Reject("InvalidAction", f"{service} {version} has no action {action!r}")
        if SERVICES[service]["region_required"] and not request.header("x-tc-region"):
            raise _Reject("MissingParameter", "X-TC-Region is required for this action")
        if not request.header("content-type").lower().startswith("application/json"):
            raise _Reject("InvalidParameter", "the body must be application/json")
        try:
            params = json.loads(request.body.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError):
            raise _Reject("InvalidParameter", "the body is not JSON") from None
        if not isinstance(params, dict):
            raise _Reject("InvalidParameter", "the body must be a JSON object")
        return func(params, request)
    except _Reject as rej:
        return error(rej.code, rej.detail, request=request, status=rej.status)
