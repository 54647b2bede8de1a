"""Wire-compatible emulator of the retired Tencent YouTu face API (seeds 000, 002, 004).

Endpoints (all POST, envelope ``{"code": int, "message": str, "data": {...}}``):

* ``/face/livedetectpicture`` – JSON ``{appid, url}`` or multipart ``appid`` + ``image``;
  ``url`` wins when both are given. Answers ``data.score`` (int 0..100).
* ``/face/livegetfour`` – JSON ``{appid, seq?}``. Answers ``data.validate_data`` (4 digits).
* ``/face/livedetectfour`` – multipart ``appid, validate_data, video, compare_flag
  ("true"/"false"), card?, seq?``. Answers ``live_status``/``live_msg`` and, when
  ``compare_flag`` is true, ``compare_status``/``compare_msg`` plus ``sim``/``photo``
  only when ``compare_status == 0``.

Every request is checked the way the vendor documents it, in this order: packet size
(code 23), the Authorization multi-use signature (4, 5, 10, 11, 12, 14, 9, 16), the body
(3, 21) and the body's ``appid`` against the signature's (6), then the media. The
analysis itself is the local engine (``liveness.engine``); its verdicts (the result's ``code``
and ``similarity.code``, never its finding text) are translated into YouTu codes by the explicit
tables :data:`SELFIE_CODE_MAP`, :data:`LIVE_CODE_MAP` and :data:`COMPARE_CODE_MAP`. Every
message is the vendor's own wording from the youtu error table (:func:`message_for`), so the
sandbox and the portal's catalogue cannot disagree.

Accepted credentials (:mod:`.youtu_auth`) come from ``settings.KYC_PROVIDERS["youtu_legacy"]`` (``appid``,
``secret_id``, ``secret_key``, ``bucket``), read on every request so
``override_settings`` works; when those are blank the built-in
:data:`DEFAULT_ACCOUNT` is accepted instead. Extra accounts can be listed under
``"sandbox_accounts"`` in the same dict.
"""
from __future__ import annotations

import base64
import io
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

from liveness import engine
from liveness.vendors.base import Metric
from liveness.vendors.youtu.errors import vendor_wording
from liveness.vendors.youtu.spec import MAX_REQUEST_BYTES, PATHS
from liveness.vendors.youtu.spec import SPEC as YOUTU_SPEC

from .fetch import FetchError
from .fetch import fetch_url as _fetch_loopback
from .http import (
    MultipartError,
    SandboxRequest,
    SandboxResponse,
    json_object,
    is_ascii_digits,
    json_response,
    parse_multipart,
)
from .scales import vendor_score
from .youtu_auth import (  # noqa: F401
    DEFAULT_ACCOUNT,
    Account,
    SignatureCheck,
    accounts,
    verify_authorization,
)
from .youtu_auth import youtu_settings as _config

VENDOR = YOUTU_SPEC.family
#: seed 002's recommended livedetectpicture threshold: the youtu spec's liveness threshold
YOUTU_LIVENESS_THRESHOLD = YOUTU_SPEC.thresholds[Metric.LIVENESS].value

DEFAULT_MIN_VIDEO_SHORT_SIDE = 270  # seed 004 (seed 000 says 320)
DEFAULT_MIN_VIDEO_LONG_SIDE = 480


#: The envelope message of a success (``code`` 0); every other code's message is the vendor's own
#: wording from the youtu error table (:func:`liveness.vendors.youtu.errors.vendor_wording`).
SUCCESS_MESSAGE = "OK"


def message_for(code: int) -> str:
    """The vendor's words for a code this emulator answers (seed 000's English, else seed 004's Chinese)."""
    return SUCCESS_MESSAGE if code == 0 else vendor_wording(code)


# --- engine verdict -> YouTu code: THE mapping tables ---------------------------------
# Keys are liveness.engine.codes values. None means "not an error for this endpoint": the engine's
# score is answered.

#: livedetectpicture: only failures that leave no score become envelope codes.
SELFIE_CODE_MAP: dict[str, int | None] = {
    "LOCAL_UNDECODABLE_IMAGE": -4016,  # selfie decoding failed
    "LOCAL_NO_FACE": -4015,  # facial detection of selfie failed
    "LOCAL_FACE_TOO_SMALL": -4015,
    # several faces: no seed names a livedetectpicture code for it (000/002/004 list none); it is
    # not "no face" (-4015), so it gets the tables' documented catch-all for a liveness check that
    # could not pass, -5011 ("all other errors relating to liveness detection")
    "LOCAL_MULTIPLE_FACES": -5011,
    # judgements that YouTu expresses as a low score, not as an error:
    "LOCAL_POSE": None,
    "LOCAL_BLURRY": None,
    "LOCAL_EXPOSURE": None,
    "LOCAL_ASPECT": None,  # "the score of a non-3:4 image is meaningless"
    "LOCAL_SCREEN_REPLAY": None,
    "LOCAL_PRINT_ATTACK": None,
    "LOCAL_FRAME_BORDER": None,
}
SELFIE_FALLBACK = -4015  # a hard failure without a score that the table does not name
# (a code the table does not name but that left a score is answered with the score)

#: livedetectfour live_status.
LIVE_CODE_MAP: dict[str, int] = {
    "LOCAL_UNDECODABLE_VIDEO": -5001,  # invalid video
    "LOCAL_VIDEO_TOO_SHORT": -5001,
    "LOCAL_VIDEO_RESOLUTION_TOO_LOW": -5015,  # minimum 270*480 (seed 004)
    "LOCAL_NO_AUDIO": -5007,  # no sound in the video
    "LOCAL_AUDIO_TOO_QUIET": -5013,  # sound too low
    "LOCAL_WRONG_DIGITS": -5008,  # read the wrong digits
    "LOCAL_NO_SPEECH": -5012,  # noise, no voice
    "LOCAL_NO_LIP_MOVEMENT": -5010,  # mouth did not open (enough)
    "LOCAL_LIPS_OUT_OF_SYNC": -5002,  # lip reading failed
    "LOCAL_NO_FACE": -5009,  # no mouth or face
    "LOCAL_FACE_LOST": -5005,  # too few frames with a face
    "LOCAL_FACE_TOO_SMALL": -5009,
    "LOCAL_FACE_CHANGED": -4007,  # selfies in the video do not match each other
    "LOCAL_MULTIPLE_FACES": -5011,
    "LOCAL_POSE": -5011,
    "LOCAL_BLURRY": -5011,
    "LOCAL_EXPOSURE": -5011,
    "LOCAL_ASPECT": -5011,
    "LOCAL_SCREEN_REPLAY": -5016,  # not live (replay attack)
    "LOCAL_PRINT_ATTACK": -5016,
    "LOCAL_FRAME_BORDER": -5016,
}
LIVE_FALLBACK = -5011  # "all other errors relating to liveness detection"

#: livedetectfour compare_status (from EngineResult.similarity).
COMPARE_CODE_MAP: dict[str, int | None] = {
    "LOCAL_UNDECODABLE_IMAGE": -4018,  # card image decoding failed
    "LOCAL_CARD_NO_FACE": -4017,  # facial detection of card image failed
    "LOCAL_NO_FACE": -4006,  # no usable face in the video to take features from
    "LOCAL_DIFFERENT_PERSON": None,  # comparison ran: a low sim is the answer
}
COMPARE_FALLBACK = -4010  # similarity could not be calculated
COMPARE_NO_VIDEO_FACE = -4006  # no similarity result at all: no usable face in the video

#: Codes livedetectfour answers only because of the request; they depend on compare_flag.
_COMPARE_CODES_IN_LIVE = {"LOCAL_CARD_NO_FACE", "LOCAL_DIFFERENT_PERSON"}


# --- issued challenges ("remembered" validate_data) -----------------------------------
_CHALLENGES: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
_CHALLENGES_LOCK = threading.Lock()
_CHALLENGES_MAX = 10_000


def issued_challenges() -> list[dict[str, Any]]:
    """Digits handed out by livegetfour, oldest first (for tests and the control API)."""
    with _CHALLENGES_LOCK:
        return [dict(item) for item in _CHALLENGES.values()]


def _remember_challenge(appid: str, digits: str, seq: str) -> None:
    with _CHALLENGES_LOCK:
        key = uuid.uuid4().hex
        _CHALLENGES[key] = {"appid": appid, "validate_data": digits, "seq": seq, "issued_at": time.time(), "used": 0}
        while len(_CHALLENGES) > _CHALLENGES_MAX:
            _CHALLENGES.popitem(last=False)


def _mark_challenge_used(appid: str, digits: str) -> bool:
    with _CHALLENGES_LOCK:
        for item in reversed(_CHALLENGES.values()):
            if item["appid"] == appid and item["validate_data"] == digits:
                item["used"] += 1
                return True
    return False


# --- envelope ----------------------------------------------------------------------------
def envelope(code: int, data: dict | None = None, *, message: str | None = None, status: int = 200) -> SandboxResponse:
    body = {"code": code, "message": message if message is not None else message_for(code), "data": data or {}}
    return json_response(body, status=status, headers={"X-Request-Id": uuid.uuid4().hex})


def rate_limited(request: SandboxRequest) -> SandboxResponse:
    """The vendor's frequency-control answer (code 15)."""
    return envelope(15)


def server_error(request: SandboxRequest) -> SandboxResponse:
    """An internal error as the gateway returns it: HTTP 500 with code 213."""
    return envelope(213, status=500)


# --- request parsing ---------------------------------------------------------------------
class _Reject(Exception):
    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _parse_body(request: SandboxRequest, *, allow: tuple[str, ...]) -> tuple[dict[str, str], dict[str, bytes], str]:
    ctype = request.header("content-type").split(";")[0].strip().strip('"').lower()
    if ctype == "application/json" and "json" in allow:
        try:
            data = request.json()
        except (ValueError, UnicodeDecodeError):
            raise _Reject(3, "body is not valid JSON")
        if not isinstance(data, dict):
            raise _Reject(3, "JSON body must be an object")
        return {k: "" if v is None else str(v) for k, v in data.items()}, {}, "json"
    if ctype == "multipart/form-data" and "multipart" in allow:
        try:
            fields, files = parse_multipart(request)
        except MultipartError as exc:
            raise _Reject(3, str(exc))
        return fields, files, "multipart"
    raise _Reject(3, f"content type {ctype or 'missing'!r} is not accepted here (use {' or '.join(allow)})")


def _message(code: int, detail: str) -> str:
    base = message_for(code)
    return f"{base}: {detail}" if detail and code != 0 else base


# --- media helpers ------------------------------------------------------------------------
def is_gif(data: bytes) -> bool:
    return data[:6] in (b"GIF87a", b"GIF89a")


def image_decodes(data: bytes) -> bool:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        return True
    except Exception:
        return False


def fetch_url(url: str) -> bytes:
    """Download an image for the ``url`` form (loopback only, at most 6 MB): -5805 otherwise."""
    try:
        return _fetch_loopback(url, max_bytes=MAX_REQUEST_BYTES)
    except FetchError as exc:
        raise _Reject(-5805, exc.detail) from None


# --- endpoints ------------------------------------------------------------------------------
def _livedetectpicture(request: SandboxRequest, fields: dict[str, str], files: dict[str, bytes], form: str) -> SandboxResponse:
    url = fields.get("url", "").strip()
    if url:
        image = fetch_url(url)
    else:
        image = files.get("image") if form == "multipart" else None
        if not image:
            raise _Reject(-5805, "neither image nor url was given")
    if is_gif(image):
        raise _Reject(-4016, "GIF images are not supported")
    if not image_decodes(image):
        raise _Reject(-4016, "the image cannot be decoded")
    result = engine.analyse_selfie(image)
    code = str(result.code)
    mapped = SELFIE_CODE_MAP.get(code) if code != "0" else None
    if mapped is not None:
        raise _Reject(mapped)
    if result.score is None:  # a hard failure the table does not name, and nothing scored
        raise _Reject(SELFIE_FALLBACK)
    return envelope(0, {"score": youtu_liveness_score(float(result.score))})


def youtu_liveness_score(engine_score: float) -> int:
    """The engine's 0..100 score on livedetectpicture's scale (:func:`.scales.vendor_score`, the
    mapping DetectLiveFace's emulator uses): the engine's line (70) lands on the youtu spec's
    liveness threshold (87, seed 002's; live faces "usually 80..100"), and the answer is an int
    as the seeds show it."""
    mapped = vendor_score(engine_score, vendor_threshold=YOUTU_LIVENESS_THRESHOLD)
    return max(0, min(100, int(round(mapped))))


def _livegetfour(request: SandboxRequest, fields: dict[str, str], files: dict[str, bytes], form: str) -> SandboxResponse:
    digits = str(engine.new_challenge_digits())
    _remember_challenge(fields.get("appid", ""), digits, fields.get("seq", ""))
    return envelope(0, {"validate_data": digits})


def _min_video_sides() -> tuple[int, int]:
    cfg = _config()
    return (
        int(cfg.get("sandbox_min_video_short_side", DEFAULT_MIN_VIDEO_SHORT_SIDE)),
        int(cfg.get("sandbox_min_video_long_side", DEFAULT_MIN_VIDEO_LONG_SIDE)),
    )


def _livedetectfour(request: SandboxRequest, fields: dict[str, str], files: dict[str, bytes], form: str) -> SandboxResponse:
    digits = fields.get("validate_data", "").strip()
    if not digits:
        raise _Reject(21, "validate_data is required")
    if not is_ascii_digits(digits):
        raise _Reject(21, "validate_data must be the digits 0-9 from livegetfour")
    flag = fields.get("compare_flag", "")
    if flag not in ("true", "false"):  # the seed's strings exactly: "True" or " true" are refused
        raise _Reject(21, 'compare_flag must be the string "true" or "false"')
    video = files.get("video")
    if not video:
        raise _Reject(21, "video is required")
    compare = flag == "true"
    card = files.get("card") or None
    if compare and not card:
        raise _Reject(-5805, "compare_flag is true but no card image was given")
    _mark_challenge_used(fields.get("appid", ""), digits)

    card_status: int | None = None  # a card problem found before the engine runs
    if compare and is_gif(card):
        card_status = -4018
    elif compare and not image_decodes(card):
        card_status = -4018
    short_side, long_side = _min_video_sides()
    result = engine.analyse_digit_video(
        video,
        digits=digits,
        card=card if compare and card_status is None else None,
        min_short_side=short_side,
        min_long_side=long_side,
    )
    data: dict[str, Any] = {}
    live_status = live_status_for(result)
    data["live_status"] = live_status
    data["live_msg"] = message_for(live_status)
    if compare:
        compare_status = card_status if card_status is not None else compare_status_for(result.similarity)
        data["compare_status"] = compare_status
        data["compare_msg"] = message_for(compare_status)
        if compare_status == 0:
            data["sim"] = max(0, min(100, int(round(float(result.similarity.score)))))
            best = result.best_frame_jpeg or result.face_crop_jpeg or b""
            data["photo"] = base64.b64encode(best).decode("ascii")
    return envelope(0, data)


def live_status_for(result: Any) -> int:
    """livedetectfour ``live_status`` for an engine result (0 = liveness passed)."""
    code = str(result.code)
    if code == "0" or code in _COMPARE_CODES_IN_LIVE:
        return 0  # a comparison verdict is reported in compare_status, not as a liveness failure
    return LIVE_CODE_MAP.get(code, LIVE_FALLBACK)


def compare_status_for(similarity: Any) -> int:
    """livedetectfour ``compare_status`` for ``EngineResult.similarity`` (0 = comparison ran)."""
    if similarity is None:
        return COMPARE_NO_VIDEO_FACE
    code = str(similarity.code)
    if code == "0":
        status = 0
    else:
        mapped = COMPARE_CODE_MAP.get(code, COMPARE_FALLBACK)
        status = 0 if mapped is None else mapped
    if status == 0 and similarity.score is None:
        status = COMPARE_FALLBACK
    return status


@dataclass(frozen=True)
class _Endpoint:
    func: Callable[[SandboxRequest, dict[str, str], dict[str, bytes], str], SandboxResponse]
    forms: tuple[str, ...]


ENDPOINTS: dict[str, _Endpoint] = {
    PATHS["selfie"]: _Endpoint(_livedetectpicture, ("json", "multipart")),
    PATHS["challenge"]: _Endpoint(_livegetfour, ("json",)),
    PATHS["video"]: _Endpoint(_livedetectfour, ("multipart",)),
}


def handle(request: SandboxRequest) -> SandboxResponse:
    return _serve(request, lambda endpoint: endpoint.func)


#: ``data.score`` of the ``fixed`` benchmark answer: a live face, above every published threshold.
FIXED_SCORE = 98


def _fixed_livedetectpicture(request: SandboxRequest, fields: dict[str, str], files: dict[str, bytes],
                             form: str) -> SandboxResponse:
    if not fields.get("url", "").strip() and not (form == "multipart" and files.get("image")):
        raise _Reject(-5805, "neither image nor url was given")
    return envelope(0, {"score": FIXED_SCORE})


def fixed_answer(request: SandboxRequest) -> SandboxResponse | None:
    """The ``fixed`` fault kind: livedetectpicture answers score :data:`FIXED_SCORE` without
    the engine (request checks, signature included, still apply); livegetfour answers as
    usual (it runs no analysis); livedetectfour has no canned answer (None)."""
    path = request.path.rstrip("/") or "/"
    if path == PATHS["video"]:
        return None
    return _serve(request, lambda endpoint: _fixed_livedetectpicture if path == PATHS["selfie"]
                  else endpoint.func)


def _serve(request: SandboxRequest, pick: Callable[[_Endpoint], Callable]) -> SandboxResponse:
    """The vendor's request checks, in its order, then the endpoint function ``pick`` chooses."""
    path = request.path.rstrip("/") or "/"
    endpoint = ENDPOINTS.get(path)
    if endpoint is None:
        return envelope(3, message=_message(3, f"no such API {request.path}"), status=404)
    if request.method.upper() != "POST":
        return envelope(3, message=_message(3, "all APIs use the POST method"), status=405)
    try:
        if len(request.body) > MAX_REQUEST_BYTES:
            raise _Reject(23, f"{len(request.body)} bytes > 6 MB")
        sig = verify_authorization(request.header("authorization"))
        if sig.code:
            raise _Reject(sig.code, sig.detail)
        fields, files, form = _parse_body(request, allow=endpoint.forms)
        body_appid = fields.get("appid", "").strip()
        if not body_appid:
            raise _Reject(21, "appid is required")
        if body_appid != sig.appid:
            raise _Reject(6, f"body appid {body_appid!r} is not the signature's appid")
        return pick(endpoint)(request, fields, files, form)
    except _Reject as rej:
        return envelope(rej.code, message=_message(rej.code, rej.detail))


def control(request: SandboxRequest) -> SandboxResponse:
    """``GET /_sandbox/youtu/challenges``: digits issued by livegetfour."""
    if request.path.rstrip("/").endswith("/challenges") and request.method.upper() == "GET":
        return json_response({"challenges": issued_challenges()})
    if request.path.rstrip("/").endswith("/challenges") and request.method.upper() == "DELETE":
        with _CHALLENGES_LOCK:
            _CHALLENGES.clear()
        return json_response({"ok": True})
    return json_response({"error": f"unknown YouTu control path {request.path}"}, status=404)


def outcome_code(body: bytes) -> str:
    """The vendor code inside an answer body, for the sandbox's call log."""
    data = json_object(body)
    if data is None:
        return ""
    code = data.get("code")
    inner = data.get("data") or {}
    if code == 0 and isinstance(inner, dict):
        for key in ("live_status", "compare_status"):
            if inner.get(key):
                return str(inner[key])
    return "" if code is None else str(code)
