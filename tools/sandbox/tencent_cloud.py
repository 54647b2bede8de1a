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

The checks up to the signature live in :mod:`.tencent_auth`. Accepted credentials come from
``settings.KYC_PROVIDERS["tencent_iai"]`` (service iai)
and ``["tencent_faceid"]`` (service faceid), read on every request so
``override_settings`` works. When a dict has no secret_id/secret_key the built-in
:data:`DEFAULT_ACCOUNT` is accepted instead (a demo with no configuration).

Answers follow the vendor documents: DetectLiveFace (seed 001: limits and codes),
LivenessCompare (FaceID API docs: ``Result``, ``Description``, ``Sim``,
``BestFrameBase64``), with the limits of ``liveness/vendors/tencent_cloud/spec.py`` and the
wording of its error table (:func:`message`). The engine's verdicts (result codes and the
codes of its ``penalties``, never finding text) are translated by the explicit tables
:data:`SELFIE_ERRORS` and :data:`VIDEO_RESULTS`; the engine's liveness score is mapped onto
DetectLiveFace's scale by :func:`tencent_liveness_score` so that Tencent's recommended
threshold (87, the tencent_iai spec's) gives the engine's own verdict.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from liveness import engine
from liveness.engine import codes as engine_codes
from liveness.vendors.base import Metric
from liveness.vendors.tencent_cloud.errors import ERRORS
from liveness.vendors.tencent_cloud.spec import (
    FACEID_CARD_FORMATS,
    FACEID_MAX_CARD_BASE64_BYTES,
    FACEID_MAX_VIDEO_BASE64_BYTES,
    FACEID_MIN_VIDEO_SIDES,
    FACEID_VENDOR_SIM_THRESHOLD,
    FACEID_VIDEO_CONTAINERS,
    IAI_FACE_MODEL_VERSIONS,
    IAI_FORMATS,
    IAI_MAX_BASE64_BYTES,
    IAI_MAX_LONG_SIDE_JPEG,
    IAI_MAX_LONG_SIDE_OTHER,
    IAI_MIN_SHORT_SIDE,
    IAI_SPEC,
    IAI_VENDOR_DEFAULT_FACE_MODEL_VERSION,
)
from liveness.vendors.video_fit import probe_video

from .fetch import MAX_FETCH_BYTES, FetchError, fetch_url
from .http import SandboxRequest, SandboxResponse, is_ascii_digits, json_response
from . import silent
from .scales import engine_liveness_threshold, vendor_score
from .tencent_auth import (  # noqa: F401
    DEFAULT_ACCOUNT,
    SERVICES,
    account_for,
    tc3_signature,
    verify_tc3,
)
from .tencent_auth import Reject as _Reject

# --- the vendor's documented facts (liveness/vendors/tencent_cloud/spec.py), named for this module ---
IAI_MAX_BASE64 = IAI_MAX_BASE64_BYTES
IAI_DEFAULT_FACE_MODEL_VERSION = IAI_VENDOR_DEFAULT_FACE_MODEL_VERSION
#: seed 001's recommendation for the 2.0 Score: the tencent_iai spec's liveness threshold
TENCENT_LIVENESS_THRESHOLD = IAI_SPEC.thresholds[Metric.LIVENESS].value
PAD_CODES = frozenset({engine_codes.SCREEN_REPLAY, engine_codes.PRINT_ATTACK, engine_codes.FRAME_BORDER,
                       engine_codes.FACE_CHANGED})
FACEID_MAX_IMAGE_BASE64 = FACEID_MAX_CARD_BASE64_BYTES
FACEID_MAX_VIDEO_BASE64 = FACEID_MAX_VIDEO_BASE64_BYTES
FACEID_MIN_VIDEO_SHORT_SIDE, FACEID_MIN_VIDEO_LONG_SIDE = FACEID_MIN_VIDEO_SIDES
FACEID_SIM_THRESHOLD = FACEID_VENDOR_SIM_THRESHOLD

#: LivenessCompare's ``Description`` of a success (the wording of every error code is the
#: tencent_cloud error table's: :func:`message`).
SUCCESS_DESCRIPTION = {"zh": "成功", "en": "Success"}

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

#: ``LivenessType`` values the SDK documents (LIP digits, ACTION movements, SILENT); the sandbox
#: emulates LIP and SILENT (ACTION's movement sequence is beyond the engine).
LIVENESS_TYPES = ("LIP", "ACTION", "SILENT")
EMULATED_LIVENESS_TYPES = ("LIP", "SILENT")
#: ``Optional`` ``{"BestFrameNum": n}``: "取值范围2-10" (faceid SDK 3.1.179)
MIN_BEST_FRAMES, MAX_BEST_FRAMES = 2, 10
#: engine failures a SILENT check still reports before judging liveness
SILENT_HARD_RESULTS: dict[str, str] = {
    "LOCAL_UNDECODABLE_VIDEO": "FailedOperation.VideoDecodeFailed",
    "LOCAL_VIDEO_RESOLUTION_TOO_LOW": "FailedOperation.SilentFaceQualityFail",
}

#: The parameters each action takes (all strings), as the SDK models declare them
#: (``DetectLiveFaceRequest`` of the SDKs up to 3.0.1459; faceid 3.1.179's ``GetLiveCodeRequest``
#: and ``LivenessCompareRequest``). Any other name is Tencent's ``UnknownParameter``; a value that
#: is not a string (JSON null counts as absent) is ``InvalidParameter``, never a server error.
ACTION_PARAMS: dict[str, tuple[str, ...]] = {
    "DetectLiveFace": ("Image", "Url", "FaceModelVersion"),
    "GetLiveCode": (),
    "LivenessCompare": ("LivenessType", "ImageBase64", "ImageUrl", "ValidateData", "Optional",
                        "VideoBase64", "VideoUrl"),
}


# --- answers -----------------------------------------------------------------------------------
def _english(request: SandboxRequest | None) -> bool:
    return bool(request is not None and request.header("x-tc-language", "zh-CN").lower().startswith("en"))


def message(code: str, detail: str = "", *, english: bool = False) -> str:
    """Tencent's words for ``code`` (from the tencent_cloud error table) in the request's language."""
    language = "en" if english else "zh"
    text = SUCCESS_DESCRIPTION[language] if code == "Success" else ERRORS.message(code, language=language)
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


# --- helpers -------------------------------------------------------------------------------------
def _decode_b64(value: Any, code: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise _Reject("InvalidParameter", f"{what} must be a string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _Reject(code, f"{what} is not valid Base64") from None


def check_params(action: str, params: dict[str, Any]) -> None:
    """Tencent's parameter checks before any action runs: unknown names, then value types."""
    known = ACTION_PARAMS.get(action, ())
    for name in params:
        if name not in known:
            raise _Reject("UnknownParameter", f"the parameter {name!r} is not defined for {action}")
    for name in known:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise _Reject("InvalidParameter", f"{name} must be a string, not {type(value).__name__}")


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
        return fetch_url(url, max_bytes=MAX_FETCH_BYTES)
    except FetchError as exc:
        raise _Reject(code, exc.detail) from None


def tencent_liveness_score(engine_score: float, engine_threshold: float | None = None) -> float:
    """The engine's 0..100 score on DetectLiveFace's scale (:func:`.scales.vendor_score`): the
    engine's threshold lands on Tencent's recommended 87 (and 0 -> 0, 100 -> 100)."""
    return round(vendor_score(engine_score, vendor_threshold=TENCENT_LIVENESS_THRESHOLD,
                              engine_threshold=engine_threshold), 2)


def finding_codes(result: Any) -> set[str]:
    """The engine codes behind a result's findings, read from its data (``penalties`` pairs each
    finding's code with the points it cost), never from the finding text."""
    return {code for code, _points in result.penalties}


# --- actions ------------------------------------------------------------------------------------
def detect_live_face(params: dict[str, Any], request: SandboxRequest) -> SandboxResponse:
    version = params.get("FaceModelVersion") or IAI_DEFAULT_FACE_MODEL_VERSION
    if version not in IAI_FACE_MODEL_VERSIONS:
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

    result = engine.analyse_selfie(image)
    code = str(result.code)
    if code in SELFIE_ERRORS:
        raise _Reject(SELFIE_ERRORS[code])
    engine_score = float(result.score) if result.score is not None else 0.0
    score = tencent_liveness_score(engine_score)
    is_liveness = bool(result.ok) and score >= TENCENT_LIVENESS_THRESHOLD
    return answer({"Score": score, "IsLiveness": is_liveness, "FaceModelVersion": version})


def get_live_code(params: dict[str, Any], request: SandboxRequest) -> SandboxResponse:
    return answer({"LiveCode": str(engine.new_challenge_digits())})


def _video_kind(data: bytes) -> str:
    return probe_video(data).kind


def _liveness_type(params: dict[str, Any]) -> str:
    liveness_type = params.get("LivenessType")
    if not liveness_type:
        raise _Reject("MissingParameter", "LivenessType is required")
    if liveness_type not in LIVENESS_TYPES:
        raise _Reject("InvalidParameterValue", f"LivenessType {liveness_type!r}: one of LIP, ACTION, SILENT")
    if liveness_type not in EMULATED_LIVENESS_TYPES:
        raise _Reject("InvalidParameterValue", f"LivenessType {liveness_type!r} is not emulated by the sandbox "
                      "(LIP and SILENT are)")
    return str(liveness_type)


def best_frame_num(params: dict[str, Any]) -> int:
    """``Optional``'s ``BestFrameNum`` (2..10 per the SDK), 0 when not asked for."""
    optional = params.get("Optional")
    if not optional:
        return 0
    try:
        extra = json.loads(optional)
    except ValueError:
        raise _Reject("InvalidParameterValue", "Optional must be a JSON object string") from None
    if not isinstance(extra, dict):
        raise _Reject("InvalidParameterValue", "Optional must be a JSON object string")
    number = extra.get("BestFrameNum")
    if number is None:
        return 0
    if isinstance(number, bool) or not isinstance(number, int) or not MIN_BEST_FRAMES <= number <= MAX_BEST_FRAMES:
        raise _Reject("InvalidParameterValue", f"BestFrameNum must be an integer {MIN_BEST_FRAMES}-{MAX_BEST_FRAMES}")
    return number


def liveness_compare(params: dict[str, Any], request: SandboxRequest) -> SandboxResponse:
    english = _english(request)
    liveness_type = _liveness_type(params)
    digits = params.get("ValidateData") or ""
    if liveness_type == "LIP" and not is_ascii_digits(digits):
        raise _Reject("InvalidParameterValue", "ValidateData must be the digits 0-9 GetLiveCode issued")
    frames_wanted = best_frame_num(params)
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
    if fmt not in FACEID_CARD_FORMATS:
        raise _Reject("FailedOperation.ImageDecodeFailed", f"{fmt or 'unknown'}: only JPG and PNG are supported")
    # the video
    limit_mb = FACEID_MAX_VIDEO_BASE64 // (1024 * 1024)
    if params.get("VideoBase64"):
        if len(params["VideoBase64"]) > FACEID_MAX_VIDEO_BASE64:
            raise _Reject("FailedOperation.LipSizeError", f"{len(params['VideoBase64'])} Base64 bytes > {limit_mb} MB")
        video = _decode_b64(params["VideoBase64"], "FailedOperation.VideoDecodeFailed", "VideoBase64")
    elif params.get("VideoUrl"):
        video = _fetch(params["VideoUrl"], "FailedOperation.DownLoadError")
        if len(base64.b64encode(video)) > FACEID_MAX_VIDEO_BASE64:
            raise _Reject("FailedOperation.LipSizeError", f"the video at VideoUrl is over {limit_mb} MB after Base64")
    else:
        raise _Reject("InvalidParameter", "one of VideoBase64 and VideoUrl is required")
    try:
        kind = _video_kind(video)
    except ValueError as exc:
        raise _Reject("FailedOperation.VideoDecodeFailed", str(exc)) from None
    if kind not in FACEID_VIDEO_CONTAINERS:
        raise _Reject("FailedOperation.LipVideoInvalid", f"{kind}: only MP4, AVI and FLV are supported")

    result = engine.analyse_digit_video(
        video, digits=digits if liveness_type == "LIP" else "", card=card,
        min_short_side=FACEID_MIN_VIDEO_SHORT_SIDE, min_long_side=FACEID_MIN_VIDEO_LONG_SIDE,
    )
    probe = None
    if liveness_type == "SILENT" or frames_wanted:
        readable = str(result.code) not in (engine_codes.UNDECODABLE_VIDEO, engine_codes.VIDEO_TOO_SHORT,
                                            engine_codes.VIDEO_RESOLUTION_TOO_LOW)
        probe = silent.probe(video, keep_frames=frames_wanted) if readable else None
    if liveness_type == "SILENT":
        fields = silent_video_verdict(result, probe.own_motion if probe else None, english=english)
    else:
        fields = video_verdict(result, english=english)
    if frames_wanted and fields["Result"] == "Success" and probe is not None:
        fields["BestFrameList"] = [base64.b64encode(frame).decode("ascii") for frame in probe.best_frames]
    return answer(fields)


def silent_video_verdict(result: Any, own_motion: float | None, *, english: bool = False) -> dict[str, Any]:
    """LivenessCompare's answer for ``LivenessType`` SILENT: the engine's visual verdict without
    its audio and lip-sync findings (:mod:`.silent`, as the SenseID emulator judges), then the
    same comparison as LIP."""
    code = str(result.code)
    if code in SILENT_HARD_RESULTS:
        return _failed(SILENT_HARD_RESULTS[code], english=english)
    try:
        status, _score = silent.verdict(result, own_motion)
    except silent.Unjudgeable:
        seen = {c for c, _ in result.penalties} | {code}
        outcome = ("FailedOperation.SilentMultiFaceFail" if engine_codes.MULTIPLE_FACES in seen
                   else "FailedOperation.SilentFaceDetectFail")
        return _failed(outcome, english=english)
    if status == "short_time":
        return _failed("FailedOperation.SilentTooShort", english=english)
    if status == "hack":
        return _failed("FailedOperation.SilentPictureLiveFail", english=english)
    # liveness passed: judge the comparison as LIP does, on a result with no audio verdicts
    return video_verdict(_as_passed(result), english=english)


def _as_passed(result: Any) -> Any:
    """``result`` as a passing liveness result (its comparison kept), for :func:`video_verdict`."""
    from dataclasses import replace

    return replace(result, ok=True, code=engine_codes.OK, score=100.0)


def _failed(outcome: str, *, english: bool) -> dict[str, Any]:
    return {"BestFrameBase64": None, "Sim": 0.0, "Result": outcome,
            "Description": message(outcome, english=english), "BestFrameList": None}


def video_verdict(result: Any, *, english: bool = False) -> dict[str, Any]:
    """LivenessCompare's answer fields for an engine result (order: liveness, then comparison)."""
    similarity = result.similarity
    sim = float(similarity.score) if similarity is not None and similarity.score is not None else None
    outcome = "Success"
    if not result.ok:
        outcome = VIDEO_RESULTS.get(str(result.code), VIDEO_RESULT_FALLBACK)
    elif result.score is not None and float(result.score) < engine_liveness_threshold():
        # the engine's presentation-attack cues lower the score without failing it: its verdict
        pad = finding_codes(result) & PAD_CODES
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
def _params(request: SandboxRequest) -> dict[str, Any]:
    """The action's parameters: a POST's JSON object, or a GET's query string (as the SDK's
    ``reqMethod="GET"`` and seed 001's example send them; every value is then a string)."""
    if request.method == "GET":
        return dict(parse_qsl(request.raw_query, keep_blank_values=True))
    if not request.header("content-type").lower().startswith("application/json"):
        raise _Reject("InvalidParameter", "the body must be application/json")
    try:
        params = json.loads(request.body.decode("utf-8") or "{}")
    except (ValueError, UnicodeDecodeError):
        raise _Reject("InvalidParameter", "the body is not JSON") from None
    if not isinstance(params, dict):
        raise _Reject("InvalidParameter", "the body must be a JSON object")
    return params


def handle(request: SandboxRequest) -> SandboxResponse:
    try:
        if request.method not in ("POST", "GET"):
            raise _Reject("InvalidParameter", f"the API takes POST or GET, not {request.method}")
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
        params = _params(request)
        check_params(action, params)
        return func(params, request)
    except _Reject as rej:
        return error(rej.code, rej.detail, request=request, status=rej.status)
