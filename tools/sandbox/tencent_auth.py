"""Tencent Cloud API 3.0 TC3-HMAC-SHA256, checked as the vendor checks it (for :mod:`.tencent_cloud`).

The signature is recomputed exactly as ``tencentcloud.common.abstract_client`` builds it (canonical
request: method, ``/``, empty query, the signed headers, SHA-256 of the body; string to sign with the
timestamp and the credential scope; key derived from ``"TC3" + SecretKey`` -> date -> service ->
``tc3_request``). A request carrying ``X-TC-Token`` is
refused with ``AuthFailure.TokenFailure`` (the sandbox issues no temporary credentials, so no token
is valid). GET requests sign their query string (and an empty payload), as the SDK's
``reqMethod="GET"`` does. Accepted credentials come from ``settings.KYC_PROVIDERS["tencent_iai"]`` (service iai)
and ``["tencent_faceid"]`` (service faceid), read on every request; with none configured the built-in
:data:`DEFAULT_ACCOUNT` is accepted.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from liveness.vendors.tencent_cloud.spec import (
    FACEID_SPEC,
    FACEID_VERSIONS,
    IAI_SPEC,
    IAI_VERSIONS,
)

from .http import SandboxRequest

SIGNATURE_WINDOW_S = 300  # "X-TC-Timestamp ... within 5 minutes"

#: Accepted when settings carry no Tencent Cloud credentials.
DEFAULT_ACCOUNT = {"secret_id": "AKIDsandboxTencentCloud0000000000000", "secret_key": "sandboxTencentCloudSecretKey0000"}

SERVICES: dict[str, dict[str, Any]] = {
    "iai": {"settings": IAI_SPEC.name, "versions": IAI_VERSIONS, "region_required": True},
    "faceid": {"settings": FACEID_SPEC.name, "versions": FACEID_VERSIONS, "region_required": False},
}


class Reject(Exception):
    """A request the vendor refuses: ``code`` is its ``Response.Error.Code``."""

    def __init__(self, code: str, detail: str = "", status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.status = status


def _settings_for(service: str) -> dict:
    """The portal's own settings for the service, read per request so ``override_settings`` changes both."""
    return dict(settings.KYC_PROVIDERS.get(SERVICES[service]["settings"], {}))


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
    query = ""  # POST: the SDK signs an empty canonical query string
    if request.method == "GET":  # GET: the query string as sent, and an empty payload
        query, payload = request.raw_query, b""
    if request.header("x-tc-content-sha256") == "UNSIGNED-PAYLOAD":
        payload = b"UNSIGNED-PAYLOAD"
    headers = ""
    for name in signed_headers:
        value = request.header(name).strip()
        headers += f"{name}:{value.lower() if lower_values else value}\n"
    return "\n".join([request.method, request.path or "/", query, headers, ";".join(signed_headers),
                      hashlib.sha256(payload).hexdigest()])


def _parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != "TC3-HMAC-SHA256":
        raise Reject("AuthFailure.InvalidAuthorization", "the algorithm must be TC3-HMAC-SHA256")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        key, _, val = item.strip().partition("=")
        if key:
            parts[key.strip()] = val.strip()
    if not all(parts.get(k) for k in ("Credential", "SignedHeaders", "Signature")):
        raise Reject("AuthFailure.InvalidAuthorization", "Credential, SignedHeaders and Signature are required")
    return parts


def verify_tc3(request: SandboxRequest, *, now: float | None = None) -> str:
    """Check the request's TC3-HMAC-SHA256 signature; returns the service. Raises _Reject."""
    authorization = request.header("authorization")
    if not authorization:
        raise Reject("AuthFailure.InvalidAuthorization", "no Authorization header")
    parts = _parse_authorization(authorization)
    scope = parts["Credential"].split("/")
    if len(scope) != 4 or scope[3] != "tc3_request":
        raise Reject("AuthFailure.InvalidAuthorization", "Credential must be SecretId/date/service/tc3_request")
    secret_id, date, service, _ = scope
    try:
        timestamp = int(request.header("x-tc-timestamp"))
    except ValueError:
        raise Reject("AuthFailure.InvalidAuthorization", "X-TC-Timestamp must be a Unix time in seconds") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > SIGNATURE_WINDOW_S:
        raise Reject("AuthFailure.SignatureExpire", f"X-TC-Timestamp {timestamp} is more than 5 minutes from now")
    if service not in SERVICES:
        raise Reject("AuthFailure.InvalidAuthorization", f"unknown service {service!r} in the credential scope")
    expected_id, secret_key = account_for(service)
    if not hmac.compare_digest(secret_id, expected_id):
        raise Reject("AuthFailure.SecretIdNotFound", f"SecretId {secret_id[:8]}... is not known")
    if date != datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d"):
        raise Reject("AuthFailure.SignatureFailure", "the credential date is not the UTC date of X-TC-Timestamp")
    signed_headers = [h.strip().lower() for h in parts["SignedHeaders"].split(";") if h.strip()]
    if "content-type" not in signed_headers or "host" not in signed_headers:
        raise Reject("AuthFailure.SignatureFailure", "SignedHeaders must include content-type and host")
    scope_text = f"{date}/{service}/tc3_request"
    for lower_values in (False, True):  # the SDK signs header values as sent; the spec lowercases them
        digest = hashlib.sha256(canonical_request(request, signed_headers, lower_values=lower_values)
                                .encode("utf-8")).hexdigest()
        string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope_text}\n{digest}"
        expected = tc3_signature(secret_key=secret_key, date=date, service=service, string_to_sign=string_to_sign)
        if hmac.compare_digest(expected, parts["Signature"]):
            break
    else:
        raise Reject("AuthFailure.SignatureFailure", "the signature does not match")
    if request.header("x-tc-token"):
        # a token belongs to temporary (STS) credentials; the sandbox issues none, so every token is unknown
        raise Reject("AuthFailure.TokenFailure", "X-TC-Token is not a valid temporary credential token")
    return service
