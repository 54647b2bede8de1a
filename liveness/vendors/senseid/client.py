"""SenseTime SenseID private cloud: ``/identity/silent_image_verification/stateless`` (seed 003).

One call compares a photo (the ID-card photo) with a video and runs *silent* liveness
on the video. SenseID does not read the digits the user speaks: the portal still shows
a challenge so the capture flow is the same for every provider (:meth:`challenge_digits`
returns local random digits), and every result says so in its findings.

Both media are encrypted as the vendor's manual describes (:mod:`senseid_crypto`) and
sent as form fields; the body encoding (multipart/form-data or JSON) is a setting
because the manual does not show it. Settings and thresholds: docs/vendors.md.
"""
from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any, ClassVar

import requests

from ..base import Media, Metric, ProviderError, ProviderResult, Score, depart, trace_headers
from ..media_fit import ImageLimits, MediaRefused, as_bool, fit_image, number, refused_result, strip_images
from ..transport_errors import HTTP_ERRORS
from ..video_fit import VideoCodes, prepare_video
from .crypto import SenseidCryptoError, encrypt
from .spec import FLAGS, LIVENESS_STATUSES, PATH, SPEC, SUCCESS

VENDOR = SPEC.family

#: failure codes that judge the media or the person (seed 003's table, less 1200)
JUDGEMENT_CODES = frozenset({"2003", "2004", "2005", "4000", "4004", "4007"})
DIGITS_NOT_CHECKED = (
    "SenseID silent liveness does not read the digits: the digits shown to the user were not checked by this vendor."
)

#: The photo: SenseID's manual (chapter 3) has pixel and byte limits this project has not seen; only the
#: type is checked here, the server judges the rest (2003 size, 2004 content length, 2005 type).
PHOTO_LIMITS = ImageLimits(
    formats=("JPEG", "PNG", "BMP"), max_base64_bytes=1 << 62, max_long_side={}, max_long_side_other=1_000_000,
    min_short_side=1, code_empty="2004", code_format="2005", code_decode="2005", code_size="2004",
    code_resolution="2003", code_too_small="2003",
)
VIDEO_CODES = VideoCodes(empty="1200", decode="1200", format="1200", size="1200")
VIDEO_CONTAINERS = ("mp4", "mov")


class SenseidProvider:
    """Photo-versus-video comparison with silent liveness.

    Config: base_url, aes_key, aes_iv, body_encoding ("multipart" | "json"), timeout,
    api_key, api_key_header, auto_rotate, check_quality, return_image, return_face_image,
    return_status, fit_media.
    """

    name: ClassVar[str] = SPEC.name
    vendor: ClassVar[str] = SPEC.family
    operations: ClassVar[frozenset[str]] = SPEC.operations
    #: silent liveness: the digits are not heard at all (DIGITS_NOT_CHECKED), so either language will do
    digit_languages: ClassVar[tuple[str, ...]] = ("en", "zh")

    def __init__(self, *, config: dict) -> None:
        config = SPEC.with_defaults(config)
        self.base_url = str(config["base_url"]).rstrip("/")
        self.aes_key = str(config["aes_key"])
        self.aes_iv = str(config["aes_iv"])
        self.body_encoding = str(config["body_encoding"]).lower()
        if self.body_encoding not in ("multipart", "json"):
            raise ValueError(f"senseid body_encoding must be 'multipart' or 'json', not {self.body_encoding!r}")
        self.timeout = float(config["timeout"])
        self.api_key = str(config["api_key"])
        self.api_key_header = str(config["api_key_header"])
        self.flags = {flag: as_bool(config[flag]) for flag in FLAGS}
        self.fit_media = as_bool(config["fit_media"])

    def challenge_digits(self) -> str:
        """Local digits: SenseID has no challenge API and does not check them (see findings)."""
        return "".join(secrets.choice("0123456789") for _ in range(4))

    def check_selfie(self, *, image: Media) -> ProviderResult:
        raise ProviderError("SenseID silent_image_verification takes a video and a photo, not a selfie alone.",
                            vendor=VENDOR, code="1200", transient=False)

    def check_video(self, *, video: Media, digits: str, card: Media | None, language: str = "en") -> ProviderResult:
        if not self.base_url:
            raise ProviderError("senseid base_url is not configured; no request was sent.", vendor=VENDOR,
                                code="1200", transient=False)
        if card is None:
            raise ProviderError(
                "SenseID compares the video with a photo (encrypted_image, required) and this submission has no "
                "ID-card photo. Collect a card photo for this flow. No request was sent.",
                vendor=VENDOR, code="1200", transient=False,
            )
        findings = [DIGITS_NOT_CHECKED]
        try:
            photo = fit_image(card.content, PHOTO_LIMITS, adjust=self.fit_media, what="ID-card photo")
            findings += photo.findings
            prepared = prepare_video(video.content, containers=VIDEO_CONTAINERS, max_base64_bytes=None,
                                     adjust=self.fit_media, codes=VIDEO_CODES, api="SenseID")
            findings += prepared.findings
        except MediaRefused as refusal:
            return refused_result(refusal, vendor=VENDOR, api="SenseID", findings=findings)
        try:
            fields: dict[str, Any] = {
                "encrypted_video": encrypt(prepared.content, key=self.aes_key, iv=self.aes_iv),
                "encrypted_image": encrypt(photo.content, key=self.aes_key, iv=self.aes_iv),
            }
        except SenseidCryptoError as exc:
            raise ProviderError(f"senseid aes_key/aes_iv are unusable: {exc}. No request was sent.", vendor=VENDOR,
                                code="1200", transient=False) from exc
        data = self._post(fields)
        return self._result(data, findings)

    # -- the call -------------------------------------------------------------------------
    def _post(self, fields: dict[str, Any]) -> dict:
        url = self.base_url + PATH
        headers = {"Accept": "application/json", **trace_headers()}
        if self.api_key:
            headers[self.api_key_header] = self.api_key
        try:
            if self.body_encoding == "json":
                request = requests.Request("POST", url, json={**fields, **self.flags}, headers=headers)
            else:
                parts = {**fields, **{k: "true" if v else "false" for k, v in self.flags.items()}}
                request = requests.Request("POST", url, files={k: (None, v) for k, v in parts.items()}, headers=headers)
            with requests.Session() as session:
                prepared = session.prepare_request(request)
                settings = session.merge_environment_settings(prepared.url, {}, None, None, None)
                depart()
                resp = session.send(prepared, timeout=self.timeout, **settings)
                status, content = resp.status_code, resp.content
        except requests.Timeout as exc:
            raise _transport(f"SenseID: timed out after {self.timeout:g} s", "timeout") from exc
        except requests.exceptions.SSLError as exc:
            raise _transport(f"SenseID: TLS failed: {exc}", "tls") from exc
        except requests.RequestException as exc:
            raise _transport(f"SenseID: {type(exc).__name__}: {exc}", "connection") from exc
        try:
            data = resp.json()
        except ValueError:
            data = None
        request_id = str(data.get("request_id") or "") if isinstance(data, dict) else ""
        request_id = request_id or resp.headers.get("X-Request-Id", "")
        if status >= 500:
            raise _transport(f"SenseID: HTTP {status}", str(status), http_status=status, request_id=request_id)
        code = data.get("code") if isinstance(data, dict) else None
        if isinstance(code, bool) or not isinstance(code, int):
            if status == 200:
                raise _transport(f"SenseID: not a SenseID answer: {content[:200]!r}", "malformed",
                                 http_status=status, request_id=request_id)
            message = f"SenseID: HTTP {status}" + (
                f" ({data.get('message')})" if isinstance(data, dict) and data.get("message") else "")
            if SPEC.errors.is_known(str(status)):  # the statuses seed 003 documents are SenseID codes
                raise ProviderError(message, vendor=VENDOR, code=str(status), transient=SPEC.is_transient(str(status)),
                                    http_status=status, request_id=request_id)
            raise _transport(message, str(status), http_status=status, request_id=request_id)
        data["_http_status"] = status
        return data

    # -- the answer -----------------------------------------------------------------------
    def _result(self, data: dict, findings: list[str]) -> ProviderResult:
        status = data.pop("_http_status")
        code = int(data["code"])
        request_id = str(data.get("request_id") or "")
        message = str(data.get("message") or "")
        raw = strip_images(data)
        if code != SUCCESS:
            code_s = str(code)
            if SPEC.is_transient(code_s):  # the senseid family's one rule
                raise ProviderError(f"SenseID {code}: {message}", vendor=VENDOR, code=code_s, transient=True,
                                    http_status=status, request_id=request_id)
            if code_s in JUDGEMENT_CODES:
                return ProviderResult(vendor=VENDOR, error_code=code_s, error_message=message, request_id=request_id,
                                      findings=findings, raw=raw)
            raise ProviderError(f"SenseID {code}: {message}", vendor=VENDOR, code=code_s, transient=False,
                                http_status=status, request_id=request_id)

        passed = data.get("passed")
        if not isinstance(passed, bool):
            raise ProviderError("SenseID answered 1000 without a boolean 'passed'", vendor="http", code="malformed",
                                transient=True, http_status=status, request_id=request_id)
        result = ProviderResult(vendor=VENDOR, request_id=request_id, findings=findings, raw=raw)
        liveness = number(data.get("liveness_score"))
        if liveness is not None:
            result.scores.append(Score("liveness_reference", liveness, 1.0))
        if not passed:
            liveness_status = str(data.get("liveness_status") or "")
            result.error_code = liveness_status if liveness_status in LIVENESS_STATUSES else "4007"
            result.error_message = LIVENESS_STATUSES.get(liveness_status, "liveness silent check failed")
            return result
        verification = number(data.get("verification_score"))
        if verification is None:
            raise ProviderError("SenseID answered passed=true without verification_score", vendor="http",
                                code="malformed", transient=True, http_status=status, request_id=request_id)
        result.scores.append(Score(Metric.SIMILARITY, verification, 1.0))
        for field_name, role in (("base64_image", "best_frame"), ("base64_face_image", "face_crop")):
            value = data.get(field_name)
            if value:
                try:
                    result.photos[role] = base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError, TypeError):
                    result.findings.append(f"{field_name} was not valid Base64; it was not kept.")
        return result


def _transport(message: str, code: str, *, http_status: int | None = None, request_id: str = "") -> ProviderError:
    """No usable SenseID answer: an ``http`` family code, transient by that family's rule."""
    return ProviderError(message, vendor="http", code=code, transient=HTTP_ERRORS.is_transient(code),
                         http_status=http_status, request_id=request_id)
