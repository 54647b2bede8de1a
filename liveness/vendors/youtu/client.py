"""Tencent YouTu legacy face API (``recognition.image.myqcloud.com``, seeds 000/002/004).

* ``challenge_digits`` -> ``POST /face/livegetfour`` (JSON)
* ``check_selfie``     -> ``POST /face/livedetectpicture`` (multipart ``appid`` + ``image``)
* ``check_video``      -> ``POST /face/livedetectfour`` (multipart; ``compare_flag`` "true"
  exactly when a card photo is given)

Every request carries a fresh multi-use signature (``youtu_signature``). One HTTP call per
method and no retries (see ``base``). Requests the vendor would refuse (over 6 MB, GIF or
unknown image formats, empty media) are refused here, before the paid call, with the code
the vendor would have answered.

How answers become results or errors:

* transport: timeout / connection failure -> ``ProviderError(vendor="http", code="timeout" |
  "connection", transient=True)``; HTTP 5xx -> ``code=str(status)``, transient; a body that is
  not the JSON envelope -> ``code="malformed"``, transient.
* envelope ``code != 0``: transient per the youtu error table's rule (``SPEC.is_transient``:
  15, 107, 108, 213, ...) ->
  ``ProviderError(transient=True)``; any other positive code (signature, account, request)
  -> ``ProviderError(transient=False)``; a negative code (a verdict about the face, card or
  video) -> ``ProviderResult`` with ``error_code``.
* livedetectfour: ``live_status`` first, then ``compare_status``, then ``sim`` (seed 004).
"""
from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any, ClassVar

import requests

from ..base import Media, Metric, ProviderError, ProviderResult, Score, depart, trace_headers
from ..transport_errors import HTTP_ERRORS
from .signature import multi_use_signature
from .spec import MAX_REQUEST_BYTES, PATHS, SPEC

USER_AGENT = "kyc-portal-youtu-legacy/1.0"

# Documented codes used for refusals made before the call.
CODE_SIGNATURE_EMPTY = "4"  # no credentials configured: the vendor would answer "signature is empty"
CODE_INVALID_PARAMETER = "21"
CODE_REQUEST_TOO_LARGE = "23"
CODE_SELFIE_DECODE_FAILED = "-4016"
CODE_CARD_DECODE_FAILED = "-4018"
CODE_INVALID_VIDEO = "-5001"

def image_format(data: bytes) -> str:
    """"jpeg" | "png" | "bmp" | "gif" | "" (unknown), from the magic bytes."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:2] == b"BM":
        return "bmp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return ""


_ACCEPTED_IMAGE_FORMATS = {"jpeg", "png", "bmp"}


class YoutuLegacyProvider:
    name: ClassVar[str] = SPEC.name
    vendor: ClassVar[str] = SPEC.family
    operations: ClassVar[frozenset[str]] = SPEC.operations
    #: livedetectfour takes no language: its lip-language check is for digits read in Mandarin
    digit_languages: ClassVar[tuple[str, ...]] = ("zh",)
    #: Upload limits the portal applies when YouTu judges the case (liveness.cases.upload_limits): one
    #: multipart request carries the video and the card photo with the form fields and must stay under
    #: MAX_REQUEST_BYTES; a card photo is re-encoded to well under 0.5 MiB, so a video over 5.5 MiB
    #: could never be sent and is refused at upload instead of in the worker.
    max_video_bytes: ClassVar[int] = MAX_REQUEST_BYTES - 512 * 1024
    max_image_bytes: ClassVar[int] = MAX_REQUEST_BYTES - 64 * 1024

    def __init__(self, *, config: dict) -> None:
        config = SPEC.with_defaults(config)
        self.endpoint = str(config["endpoint"]).rstrip("/")
        self.appid = str(config["appid"])
        self.secret_id = str(config["secret_id"])
        self.secret_key = str(config["secret_key"])
        self.bucket = str(config["bucket"])
        self.timeout = float(config["timeout"])
        self.signature_ttl = int(config["signature_ttl"])

    # -- the three operations -------------------------------------------------------------
    def challenge_digits(self) -> str:
        body, request_id = self._post(PATHS["challenge"], json_body={"appid": self.appid, "seq": uuid.uuid4().hex})
        code = self._code(body)
        if code != 0:
            self._raise_for_code(code, body, request_id, judgement_allowed=False)
        digits = (body.get("data") or {}).get("validate_data")
        if not isinstance(digits, (str, int)) or not str(digits).strip():
            raise _malformed("livegetfour answered without data.validate_data", request_id)
        return str(digits).strip()

    def check_selfie(self, *, image: Media) -> ProviderResult:
        self._check_image(image, code=CODE_SELFIE_DECODE_FAILED, what="selfie")
        files = {
            "appid": (None, self.appid),
            "image": (image.filename or "face.jpg", image.content, image.content_type or "image/jpeg"),
        }
        body, request_id = self._post(PATHS["selfie"], files=files)
        code = self._code(body)
        if code != 0:
            self._raise_for_code(code, body, request_id)
            return self._judgement(code, body, request_id)
        score = (body.get("data") or {}).get("score")
        if not isinstance(score, (int, float)) or isinstance(score, bool):
            raise _malformed("livedetectpicture answered without a numeric data.score", request_id)
        return ProviderResult(
            vendor=self.vendor,
            scores=[Score(Metric.LIVENESS, float(score), 100.0)],
            request_id=request_id,
            raw=body,
        )

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "zh") -> ProviderResult:
        digits = (digits or "").strip()
        if not digits.isdigit():
            raise ProviderError(
                f"validate_data must be the digits from livegetfour, got {digits!r}",
                vendor=self.vendor, code=CODE_INVALID_PARAMETER, transient=False,
            )
        if not video.content:
            raise ProviderError("the video is empty", vendor=self.vendor, code=CODE_INVALID_VIDEO, transient=False)
        if card is not None:
            self._check_image(card, code=CODE_CARD_DECODE_FAILED, what="card photo")
        compare = card is not None
        files: dict[str, Any] = {
            "appid": (None, self.appid),
            "validate_data": (None, digits),
            "compare_flag": (None, "true" if compare else "false"),
            "video": (video.filename or "video.mp4", video.content, video.content_type or "video/mp4"),
            "seq": (None, uuid.uuid4().hex),
        }
        if card is not None:
            files["card"] = (card.filename or "card.jpg", card.content, card.content_type or "image/jpeg")
        body, request_id = self._post(PATHS["video"], files=files)
        code = self._code(body)
        if code != 0:
            self._raise_for_code(code, body, request_id)
            return self._judgement(code, body, request_id)

        data = body.get("data")
        if not isinstance(data, dict):
            raise _malformed("livedetectfour answered without data", request_id)
        photos: dict[str, bytes] = {}
        photo_b64 = data.get("photo")
        if isinstance(photo_b64, str) and photo_b64:
            try:
                photos["best_frame"] = base64.b64decode(photo_b64, validate=False)
            except (binascii.Error, ValueError):
                pass
        raw = _without_images(body)
        result = ProviderResult(vendor=self.vendor, request_id=request_id, raw=raw, photos=photos)

        # 1. liveness
        live_status = _as_int(data.get("live_status"))
        if live_status is None:
            raise _malformed("livedetectfour answered without live_status", request_id)
        if live_status != 0:
            result.error_code = str(live_status)
            result.error_message = str(data.get("live_msg") or "")
            return result
        if not compare:
            return result
        # 2. comparison ran?
        compare_status = _as_int(data.get("compare_status"))
        if compare_status is None:
            raise _malformed("livedetectfour answered without compare_status although compare_flag was true",
                             request_id)
        if compare_status != 0:
            result.error_code = str(compare_status)
            result.error_message = str(data.get("compare_msg") or "")
            return result
        # 3. similarity (judged against the threshold by the pipeline)
        sim = data.get("sim")
        if not isinstance(sim, (int, float)) or isinstance(sim, bool):
            raise _malformed("livedetectfour answered compare_status 0 without a numeric sim", request_id)
        result.scores.append(Score(Metric.SIMILARITY, float(sim), 100.0))
        return result

    # -- pre-call validation ----------------------------------------------------------------
    def _check_image(self, media: Media, *, code: str, what: str) -> None:
        if not media.content:
            raise ProviderError(f"the {what} is empty", vendor=self.vendor, code=code, transient=False)
        fmt = image_format(media.content)
        if fmt == "gif":
            raise ProviderError(
                f"the {what} is a GIF; YouTu does not accept GIF images (send JPEG or PNG)",
                vendor=self.vendor, code=code, transient=False,
            )
        if fmt not in _ACCEPTED_IMAGE_FORMATS:
            raise ProviderError(
                f"the {what} is not a JPEG, PNG or BMP image ({media.content_type or 'unknown type'})",
                vendor=self.vendor, code=code, transient=False,
            )

    # -- HTTP ----------------------------------------------------------------------------------
    def _signature(self) -> str:
        if not (self.appid and self.secret_id and self.secret_key):
            raise ProviderError(
                "YouTu credentials are not configured (YOUTU_APPID, YOUTU_SECRET_ID, YOUTU_SECRET_KEY)",
                vendor=self.vendor, code=CODE_SIGNATURE_EMPTY, transient=False,
            )
        return multi_use_signature(
            appid=self.appid, secret_id=self.secret_id, secret_key=self.secret_key,
            bucket=self.bucket, ttl=self.signature_ttl,
        )

    def _post(self, path: str, *, json_body: dict | None = None, files: dict | None = None) -> tuple[dict, str]:
        url = self.endpoint + path
        headers = {"Authorization": self._signature(), "User-Agent": USER_AGENT, "Accept": "application/json",
                   **trace_headers()}
        try:
            prepared = requests.Request("POST", url, headers=headers, json=json_body, files=files).prepare()
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise _transport(f"YouTu endpoint {url!r} is not a usable URL: {exc}", "endpoint") from exc
        size = len(prepared.body or b"")
        if size > MAX_REQUEST_BYTES:
            raise ProviderError(
                f"the request would be {size / 1048576:.1f} MB; YouTu accepts at most 6 MB per request "
                f"(compress the video or photo)",
                vendor=self.vendor, code=CODE_REQUEST_TOO_LARGE, transient=False,
            )
        try:
            with requests.Session() as session:
                settings = session.merge_environment_settings(prepared.url, {}, None, None, None)
                depart()
                response = session.send(prepared, timeout=self.timeout, allow_redirects=False, **settings)
        except requests.exceptions.Timeout as exc:
            raise _transport(f"YouTu did not answer within {self.timeout:g} s: {exc}", "timeout") from exc
        except requests.exceptions.SSLError as exc:
            raise _transport(f"TLS with YouTu at {self.endpoint} failed: {exc}", "tls") from exc
        except requests.exceptions.ConnectionError as exc:
            raise _transport(f"cannot reach YouTu at {self.endpoint}: {exc}", "connection") from exc
        except requests.exceptions.RequestException as exc:
            raise _transport(f"HTTP request to YouTu failed: {exc}", "connection") from exc

        request_id = _request_id(response)
        if response.status_code >= 500:
            raise _transport(f"YouTu answered HTTP {response.status_code}", str(response.status_code),
                             http_status=response.status_code, request_id=request_id)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "code" not in body:
            if response.status_code >= 400:
                raise _transport(f"YouTu answered HTTP {response.status_code} without its JSON envelope",
                                 str(response.status_code), http_status=response.status_code,
                                 request_id=request_id)
            raise _malformed(f"YouTu answered HTTP {response.status_code} with a body that is not its JSON "
                             f"envelope: {response.content[:80]!r}", request_id, response.status_code)
        request_id = _request_id(response, body) or request_id
        return body, request_id

    @staticmethod
    def _code(body: dict) -> int:
        code = _as_int(body.get("code"))
        if code is None:
            raise _malformed(f"envelope code is not an integer: {body.get('code')!r}", "")
        return code

    def _raise_for_code(self, code: int, body: dict, request_id: str, *, judgement_allowed: bool = True) -> None:
        """Raise for codes that are not a verdict about the person; return for the others."""
        message = str(body.get("message") or "")
        key = str(code)
        if SPEC.is_transient(key):
            raise ProviderError(f"YouTu code {code}: {message}", vendor=self.vendor, code=key, transient=True,
                                request_id=request_id)
        if code > 0 or not judgement_allowed:
            raise ProviderError(f"YouTu refused the request, code {code}: {message}", vendor=self.vendor,
                                code=key, transient=False, request_id=request_id)

    def _judgement(self, code: int, body: dict, request_id: str) -> ProviderResult:
        return ProviderResult(
            vendor=self.vendor,
            error_code=str(code),
            error_message=str(body.get("message") or ""),
            request_id=request_id,
            raw=_without_images(body),
        )


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _request_id(response: requests.Response, body: dict | None = None) -> str:
    if body:
        for container in (body, body.get("data") if isinstance(body.get("data"), dict) else {}):
            for key in ("request_id", "requestid", "RequestId"):
                if container.get(key):
                    return str(container[key])
    for header in ("X-Request-Id", "X-Ci-Request-Id", "X-Cos-Request-Id", "X-Tc-Requestid"):
        if response.headers.get(header):
            return response.headers[header]
    return ""


def _without_images(body: dict) -> dict:
    """The answer for the reviewer: ``photo`` replaced by a note of its size."""
    raw = dict(body)
    data = raw.get("data")
    if isinstance(data, dict) and isinstance(data.get("photo"), str):
        data = dict(data)
        data["photo"] = f"<{len(data['photo'])} base64 characters, stored as best_frame>"
        raw["data"] = data
    return raw


def _transport(message: str, code: str, *, http_status: int | None = None, request_id: str = "") -> ProviderError:
    """No usable YouTu answer: an ``http`` family code, transient by that family's rule."""
    return ProviderError(message, vendor="http", code=code, transient=HTTP_ERRORS.is_transient(code),
                         http_status=http_status, request_id=request_id)


def _malformed(message: str, request_id: str, status: int | None = None) -> ProviderError:
    return _transport(message, "malformed", http_status=status, request_id=request_id)
