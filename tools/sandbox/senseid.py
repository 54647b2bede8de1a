"""Wire-compatible emulator of SenseID ``POST /identity/silent_image_verification/stateless`` (seed 003).

Fields ``encrypted_video`` and ``encrypted_image`` (required; AES-256-GCM as in
:mod:`liveness.vendors.senseid.crypto`, the vendor's published scheme, decrypted with ``aes_key`` / ``aes_iv`` of
``settings.KYC_PROVIDERS["senseid"]``, read per request), and the booleans
``auto_rotate``, ``check_quality``, ``return_image``, ``return_face_image``,
``return_status`` (default false). The body may be multipart/form-data or JSON
(booleans as ``true``/``false`` strings or JSON booleans).

HTTP level, in this order: a path other than the API → 404; not POST → 400; no
Content-Length (a chunked upload) → 411; Content-Length over ``sandbox_max_body_bytes``
(default 20 MiB; the vendor's number is deployment-specific) → 413; when the settings
carry an ``api_key``, a request without it in ``api_key_header`` → 401 (deployment
gateways do this; seed 003 does not document it). These answers carry
``{"message": <NAME>, "request_id"}`` and no ``code``.

Then the documented codes (HTTP 400 with ``{"code", "message", "request_id"}``):
1200 for a missing or undecryptable field, a bad boolean or an unreadable video (a wrong
key or IV lands here, as on the real server); 2004/2005/2003 for the photo's byte size,
type and pixel size (limits :data:`PHOTO_MAX_BYTES`, :data:`PHOTO_MIN_SIDE`,
:data:`PHOTO_MAX_SIDE` are this sandbox's: the manual's chapter 3 numbers are not in the
seeds); 4000 no face in the photo; 4007 when silent liveness cannot judge the video (no single face, the face
hidden most of the time) or fails it without a presentation-attack cue. 4004 (face
occlusion, with check_quality) is not emulated: the engine has no occlusion check, so
``check_quality`` is accepted and has no effect here.

Silent liveness does not read digits. The engine is asked with ``digits=""`` and every
audio/lip-reading verdict (:data:`NOT_APPLICABLE`) is set aside; :func:`silent_verdict`
(:mod:`.silent`) recomputes the score from the visual penalties and the face's own movement:
a photo or screen filmed with a moving phone (zoom, pan) moves only as a flat picture and is
``hack``, and a still face never scores above one that moves. Success is code 1000 with
``passed``, ``liveness_score`` (that score / 100), ``liveness_status`` (only with
return_status: ``ok``; ``hack`` for a face change or a failing score with
presentation-attack cues; ``short_time`` under 2 s), ``verification_score`` (engine
similarity / 100, only when passed) and, when passed, ``image_timestamp`` +
``base64_image`` (return_image) and ``base64_face_image`` (return_face_image).
"""
from __future__ import annotations

import base64
import io
import uuid
from typing import Any

from django.conf import settings

from liveness import engine
from liveness.engine import codes as engine_codes
from liveness.vendors.senseid.crypto import SenseidCryptoError, decrypt
from liveness.vendors.senseid.errors import wire_message
from liveness.vendors.senseid.spec import (
    DEFAULT_AES_IV,
    DEFAULT_AES_KEY,
    FLAGS,
    PATH,
    SUCCESS,
)
from liveness.vendors.senseid.spec import SPEC as SENSEID_SPEC

from . import silent
from .http import (
    MultipartError,
    SandboxRequest,
    SandboxResponse,
    json_object,
    json_response,
    parse_multipart,
)

MB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 20 * MB
PHOTO_MAX_BYTES = 10 * MB
PHOTO_MIN_SIDE = 64
PHOTO_MAX_SIDE = 4096
MIN_DURATION_S = 2.0  # "short_time: video time less than 2s"
#: HTTP-level answers of a deployment's gateway that seed 003 does not document (so they are not in
#: the senseid error table, whose wording every other answer uses: :func:`message_for`).
GATEWAY_NAMES = {401: "UNAUTHORIZED", 429: "TOO_MANY_REQUESTS"}

#: engine verdicts about presentation attacks and the ones a silent check does not make
HACK, NOT_APPLICABLE = silent.HACK, silent.NOT_APPLICABLE

#: engine verdicts about the photo
PHOTO_CODES = {engine_codes.CARD_NO_FACE: 4000, engine_codes.UNDECODABLE_IMAGE: 2005}


def message_for(code: int) -> str:
    """SenseID's ``message`` for a code or documented HTTP status (the senseid error table's wording)."""
    return GATEWAY_NAMES.get(code) or wire_message(code)


class _Reject(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def _request_id() -> str:
    return uuid.uuid4().hex


def coded(code: int, detail: str = "", *, status: int = 400) -> SandboxResponse:
    text = message_for(code)
    return json_response({"code": code, "message": f"{text}: {detail}" if detail else text,
                          "request_id": _request_id()}, status=status)


def http_error(status: int, detail: str = "") -> SandboxResponse:
    name = message_for(status)
    return json_response({"message": f"{name}: {detail}" if detail else name, "request_id": _request_id()},
                         status=status)


def rate_limited(request: SandboxRequest) -> SandboxResponse:
    """Seed 003 documents no rate-limit code; a deployment's gateway answers HTTP 429."""
    return http_error(429, "rate limit")


def server_error(request: SandboxRequest) -> SandboxResponse:
    return http_error(500)


def outcome_code(body: bytes) -> str:
    data = json_object(body)
    if data is None:
        return ""
    if data.get("code") == SUCCESS and data.get("passed") is False:
        return str(data.get("liveness_status") or "4007")
    return "" if data.get("code") is None else str(data["code"])


def _config() -> dict:
    """The portal's own SenseID settings, read per request so ``override_settings`` changes both sides."""
    return dict(settings.KYC_PROVIDERS.get(SENSEID_SPEC.name, {}))


def _flag(value: Any, name: str) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _Reject(1200, f"{name} must be true or false")


def _fields(request: SandboxRequest) -> dict[str, Any]:
    ctype = request.header("content-type").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        try:
            fields, _files = parse_multipart(request)
        except MultipartError as exc:
            raise _HttpError(400, str(exc)) from None
        return dict(fields)
    if ctype == "application/json":
        try:
            data = request.json()
        except (ValueError, UnicodeDecodeError):
            raise _HttpError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise _HttpError(400, "the body must be a JSON object")
        return data
    raise _HttpError(400, f"content type {ctype or 'missing'!r}: use multipart/form-data or application/json")


class _HttpError(Exception):
    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(status)
        self.status = status
        self.detail = detail


def _decrypt(fields: dict[str, Any], name: str, cfg: dict) -> bytes:
    value = fields.get(name)
    if value is None or value == "":
        raise _Reject(1200, f"{name} is required")
    if not isinstance(value, str):
        raise _Reject(1200, f"{name} must be a string (the Base64 of the encrypted file), not {type(value).__name__}")
    try:
        return decrypt(value.strip(), key=str(cfg.get("aes_key") or DEFAULT_AES_KEY),
                       iv=str(cfg.get("aes_iv") or DEFAULT_AES_IV))
    except SenseidCryptoError as exc:
        raise _Reject(1200, f"{name} cannot be decrypted ({exc})") from None


def _photo(data: bytes, *, auto_rotate: bool) -> bytes:
    from PIL import Image, ImageOps

    if not data or len(data) > PHOTO_MAX_BYTES:
        raise _Reject(2004, f"{len(data)} bytes")
    try:
        image = Image.open(io.BytesIO(data))
        fmt = (image.format or "").upper()
        image.load()
    except Exception as exc:
        raise _Reject(2005, str(exc)) from None
    if fmt not in ("JPEG", "PNG", "BMP"):
        raise _Reject(2005, f"{fmt or 'unknown'} is not accepted")
    if min(image.size) < PHOTO_MIN_SIDE or max(image.size) > PHOTO_MAX_SIDE:
        raise _Reject(2003, f"{image.width}x{image.height}")
    if auto_rotate and image.getexif().get(0x0112, 1) not in (None, 1):
        out = io.BytesIO()
        ImageOps.exif_transpose(image).convert("RGB").save(out, format="JPEG", quality=95)
        return out.getvalue()
    return data


def silent_verdict(result: Any, own_motion: float | None) -> tuple[str, float]:
    """("ok" | "hack" | "short_time", liveness 0..1) from a digit-video analysis, judging only
    what a silent check sees (:func:`.silent.verdict`: a still or planar face is "hack");
    raises _Reject(4007) when the video cannot be judged."""
    if str(result.code) == engine_codes.UNDECODABLE_VIDEO:
        raise _Reject(1200, "encrypted_video is not a readable video")
    try:
        status, score = silent.verdict(result, own_motion)
    except silent.Unjudgeable as exc:
        raise _Reject(4007, str(exc)) from None
    return status, score / 100


def verify(fields: dict[str, Any], cfg: dict) -> SandboxResponse:
    flags = {name: _flag(fields.get(name), name) for name in FLAGS}
    video = _decrypt(fields, "encrypted_video", cfg)
    photo = _photo(_decrypt(fields, "encrypted_image", cfg), auto_rotate=flags["auto_rotate"])

    # silent liveness: no digits to hear; NOT_APPLICABLE verdicts are set aside in silent_verdict
    result = engine.analyse_digit_video(video, digits="", card=photo, min_short_side=1, min_long_side=1,
                                           min_duration_s=MIN_DURATION_S)
    similarity = result.similarity
    if similarity is not None and str(similarity.code) in PHOTO_CODES:
        raise _Reject(PHOTO_CODES[str(similarity.code)])
    unreadable = str(result.code) in (engine_codes.VIDEO_TOO_SHORT, engine_codes.UNDECODABLE_VIDEO)
    own_motion = None if unreadable else silent.probe(video).own_motion
    status, liveness = silent_verdict(result, own_motion)

    passed = status == "ok"
    body: dict[str, Any] = {"code": SUCCESS, "passed": passed, "liveness_score": round(max(0.0, min(1.0, liveness)), 4)}
    if flags["return_status"]:
        body["liveness_status"] = status
    if passed:
        score = similarity.score if similarity is not None else None
        if score is None:
            raise _Reject(4000, "no face could be compared in the photo")
        body["verification_score"] = round(max(0.0, min(1.0, float(score) / 100)), 4)
        if flags["return_image"] and result.best_frame_jpeg:
            body["image_timestamp"] = float((result.metrics or {}).get("best_frame_time_s", 0.0) or 0.0)
            body["base64_image"] = base64.b64encode(result.best_frame_jpeg).decode("ascii")
        if flags["return_face_image"] and result.face_crop_jpeg:
            body["base64_face_image"] = base64.b64encode(result.face_crop_jpeg).decode("ascii")
    body["request_id"] = _request_id()
    return json_response(body)


def handle(request: SandboxRequest) -> SandboxResponse:
    try:
        if request.path.rstrip("/") != PATH:
            raise _HttpError(404, f"no API at {request.path}")
        if request.method != "POST":
            raise _HttpError(400, "the API takes POST")
        length = request.header("content-length")
        if not length:
            raise _HttpError(411)
        cfg = _config()
        limit = int(cfg.get("sandbox_max_body_bytes") or DEFAULT_MAX_BODY_BYTES)
        if not length.isdigit():
            raise _HttpError(400, "Content-Length is not a number")
        if int(length) > limit:
            raise _HttpError(413, f"{length} bytes > {limit}")
        if cfg.get("api_key"):
            header = str(cfg.get("api_key_header") or "X-API-KEY")
            if request.header(header) != str(cfg["api_key"]):
                raise _HttpError(401, f"{header} is missing or wrong")
        return verify(_fields(request), cfg)
    except _HttpError as exc:
        return http_error(exc.status, exc.detail)
    except _Reject as rej:
        return coded(rej.code, rej.detail)
