"""Tencent Cloud API 3.0 plumbing shared by :mod:`.tencent_iai` and :mod:`.tencent_faceid`.

``AbstractClient.call`` of the official SDK may retry (``ClientProfile.retryer``), may route through a
region circuit breaker, folds every non-200 answer into ``ServerNetworkError`` and silently accepts
error answers whose Content-Type is not exactly ``application/json``. :class:`OneShotClientMixin`
replaces only the answer handling: one HTTP request per call (no retryer, no breaker, requests' own
adapter does not retry), a timeout told apart from a refused connection, the HTTP status kept, and
any body that is not ``{"Response": {...}}`` reported as malformed. :func:`call_tencent` turns every
outcome into a Response, a :class:`VendorRefusal` (a verdict about the person or media) or a
:class:`~liveness.vendors.base.ProviderError` whose ``transient`` is the tencent_cloud error table's
rule (:mod:`.errors`) for a Tencent code and the ``http`` table's for a transport failure.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import requests
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.http.request import ApiRequest
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.retry import NoopRetryer

from ..base import ProviderError, depart, trace_headers
from ..transport_errors import HTTP_ERRORS
from .errors import ERRORS

VENDOR = "tencent_cloud"


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
        req_inter.header.update(trace_headers())  # not signed (TC3 signs content-type and host only)
        depart()  # the SDK has built and signed the request by now
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


def make_client(client_cls, *, config: dict):
    """An SDK client for ``config`` (a spec's ``with_defaults``: endpoint, protocol, region, secret_id,
    secret_key, token, timeout, language)."""
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
        protocol=str(config["protocol"]),
        endpoint=str(config["endpoint"]),
        reqTimeout=float(config["timeout"]),
    )
    profile = ClientProfile(
        httpProfile=http_profile,
        language=str(config["language"]),
        disable_region_breaker=True,
        retryer=NoopRetryer(),
    )
    return client_cls(cred, str(config["region"] or ""), profile)


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
        code = str(exc.http_status or 0) if exc.kind == "status" else exc.kind
        raise ProviderError(
            f"Tencent Cloud {action}: " + (f"HTTP {code}" if exc.kind == "status" else exc.message),
            vendor="http", code=code, transient=HTTP_ERRORS.is_transient(code), http_status=exc.http_status,
        ) from exc
    except TencentCloudSDKException as exc:
        code = str(exc.code or "")
        request_id = str(exc.requestId or "")
        if ERRORS.is_transient(code):  # the tencent_cloud family's one rule
            raise ProviderError(f"Tencent Cloud {action}: {code}: {exc.message}", vendor=VENDOR, code=code,
                                transient=True, http_status=200, request_id=request_id) from exc
        if judgement(code):
            return VendorRefusal(code=code, message=str(exc.message or ""), request_id=request_id)
        raise ProviderError(f"Tencent Cloud {action}: {code}: {exc.message}", vendor=VENDOR, code=code,
                            transient=False, http_status=200, request_id=request_id) from exc
    return json.loads(body)["Response"]
