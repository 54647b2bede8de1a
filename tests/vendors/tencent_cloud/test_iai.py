"""Tencent Cloud DetectLiveFace provider against the Tencent Cloud sandbox, over real HTTP.

The provider uses the official SDK (never patched); the sandbox recomputes the
TC3-HMAC-SHA256 signature with the credentials of ``settings.KYC_PROVIDERS["tencent_iai"]``,
which the tests set with ``override_settings`` so both sides agree.
"""
from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.test import override_settings
from PIL import Image
from tencentcloud.common import credential
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.iai.v20200303 import iai_client

from liveness.vendors.base import Media, Metric, Operation, ProviderError
from liveness.vendors.tencent_cloud.iai import IS_LIVENESS_FALSE, TencentIaiProvider
from tools.sandbox import tencent_cloud
from tools.sandbox.http import SandboxRequest
from tests.mediagen import selfie_jpeg

SECRET_ID = "AKIDiaiProviderTest000000000000001"
SECRET_KEY = "iai-provider-test-secret-key-0001"
ACTION = "DetectLiveFace"


def jpeg(size=(600, 800), colour=(128, 128, 128), fmt="JPEG", exif_orientation=None) -> bytes:
    buf = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        image.save(buf, fmt, exif=exif)
    else:
        image.save(buf, fmt)
    return buf.getvalue()


def media(data: bytes, content_type="image/jpeg") -> Media:
    return Media(content=data, content_type=content_type, filename="selfie")


@pytest.fixture
def iai_settings(sandbox):
    config = {
        **settings.KYC_PROVIDERS,
        "tencent_iai": {
            "endpoint": sandbox.host_port, "protocol": "http", "region": "ap-guangzhou",
            "secret_id": SECRET_ID, "secret_key": SECRET_KEY, "timeout": 10.0, "face_model_version": "2.0",
        },
    }
    with override_settings(KYC_PROVIDERS=config):
        yield config["tencent_iai"]


@pytest.fixture
def make_provider(iai_settings):
    def make(**overrides) -> TencentIaiProvider:
        return TencentIaiProvider(config={**iai_settings, **overrides})

    return make


# --- success -------------------------------------------------------------------------------
def test_provider_contract(make_provider):
    provider = make_provider()
    assert provider.name == "tencent_iai"
    assert provider.vendor == "tencent_cloud"
    assert provider.operations == frozenset({Operation.SELFIE_LIVENESS})


def test_live_selfie_with_model_2_scores_on_tencents_scale(make_provider, sandbox):
    result = make_provider(face_model_version="2.0").check_selfie(image=media(selfie_jpeg()))

    assert result.error_code == ""
    score = result.score(Metric.LIVENESS)
    assert score is not None and score.scale == 100.0
    assert score.value >= 87  # seed 001's recommended threshold: a clean selfie passes it
    assert result.request_id
    assert result.raw["FaceModelVersion"] == "2.0"
    assert sandbox.call_count(ACTION) == 1


def test_live_selfie_with_model_3_uses_isliveness(make_provider, sandbox):
    result = make_provider(face_model_version="3.0").check_selfie(image=media(selfie_jpeg()))

    assert result.error_code == ""
    assert result.score(Metric.LIVENESS) is None  # the 3.0 Score is not a liveness verdict
    assert result.score("liveness_reference") is not None
    assert result.raw["IsLiveness"] is True
    assert sandbox.call_count(ACTION) == 1


def test_screen_replay_with_model_3_is_isliveness_false(make_provider, sandbox):
    result = make_provider(face_model_version="3.0").check_selfie(image=media(selfie_jpeg(moire=0.15)))

    assert result.error_code == IS_LIVENESS_FALSE
    assert "IsLiveness=false" in result.error_message
    assert result.raw["IsLiveness"] is False
    assert sandbox.call_count(ACTION) == 1


def test_screen_replay_with_model_2_scores_below_threshold(make_provider):
    result = make_provider(face_model_version="2.0").check_selfie(image=media(selfie_jpeg(moire=0.15)))

    assert result.error_code == ""
    assert result.score(Metric.LIVENESS).value < 87


# --- the vendor's judgements -------------------------------------------------------------------
def test_no_face_is_a_result_not_an_exception(make_provider, sandbox):
    result = make_provider().check_selfie(image=media(selfie_jpeg(no_face=True)))

    assert result.error_code == "InvalidParameterValue.NoFaceInPhoto"
    assert result.error_message
    assert result.request_id
    assert result.scores == []
    assert sandbox.call_count(ACTION) == 1


def test_two_faces_is_the_face_number_code(make_provider):
    result = make_provider().check_selfie(image=media(selfie_jpeg(two_faces=True)))
    assert result.error_code == "LimitExceeded.ErrorFaceNumExceed"


# --- validation before the call ---------------------------------------------------------------
def test_gif_is_refused_without_a_call(make_provider, sandbox):
    result = make_provider().check_selfie(image=media(jpeg(fmt="GIF"), "image/gif"))

    assert result.error_code == "FailedOperation.ImageDecodeFailed"
    assert "GIF" in result.error_message
    assert result.raw["refused_before_call"] is True
    assert sandbox.call_count() == 0


def test_undecodable_bytes_are_refused_without_a_call(make_provider, sandbox):
    result = make_provider().check_selfie(image=media(b"\xff\xd8 not really a jpeg"))
    assert result.error_code == "FailedOperation.ImageDecodeFailed"
    assert sandbox.call_count() == 0


def test_too_small_image_is_refused_without_a_call(make_provider, sandbox):
    result = make_provider().check_selfie(image=media(jpeg(size=(48, 64))))
    assert result.error_code == "FailedOperation.ImageResolutionTooSmall"
    assert sandbox.call_count() == 0


def test_oversize_png_is_refused_without_a_call_when_fitting_is_off(make_provider, sandbox):
    result = make_provider(fit_media=False).check_selfie(image=media(jpeg(size=(1800, 2400), fmt="PNG"), "image/png"))

    assert result.error_code == "FailedOperation.ImageResolutionExceed"
    assert sandbox.call_count() == 0


def test_png_over_2000_px_becomes_jpeg_rather_than_smaller(make_provider, sandbox):
    result = make_provider().check_selfie(image=media(jpeg(size=(1800, 2400), fmt="PNG"), "image/png"))

    assert any("PNG of 1800x2400 converted to JPEG" in f for f in result.findings), result.findings
    assert not result.raw.get("refused_before_call")
    assert sandbox.call_count(ACTION) == 1


def test_oversize_image_is_scaled_to_the_limit_and_sent_once(make_provider, sandbox):
    big = selfie_jpeg(size=(3300, 4400))
    result = make_provider().check_selfie(image=media(big))

    assert result.error_code == ""
    assert result.score(Metric.LIVENESS) is not None
    assert any("Scaled from 3300x4400 to 3000x4000" in f for f in result.findings)
    assert sandbox.call_count(ACTION) == 1


def test_oversize_bytes_are_reencoded_under_5_mb(make_provider, sandbox):
    import numpy as np

    noise = np.random.default_rng(0).integers(0, 256, (2400, 1800, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "BMP")  # 13 MB of noise: far over 5 MB after Base64
    result = make_provider().check_selfie(image=media(buf.getvalue(), "image/bmp"))

    assert any("Base64 limit" in f for f in result.findings), result.findings
    assert result.error_code == "InvalidParameterValue.NoFaceInPhoto"  # noise has no face, but it was accepted
    assert sandbox.call_count(ACTION) == 1


def test_exif_orientation_is_applied_and_aspect_is_reported(make_provider, sandbox):
    result = make_provider().check_selfie(image=media(jpeg(size=(800, 600), exif_orientation=6)))

    assert any("EXIF orientation 6 applied" in f for f in result.findings)
    assert not any("not close to 3:4" in f for f in result.findings)  # 600x800 once rotated
    square = make_provider().check_selfie(image=media(jpeg(size=(700, 700))))
    assert any("not close to 3:4" in f for f in square.findings)
    assert sandbox.call_count(ACTION) == 2


# --- failures without a usable answer -----------------------------------------------------------
def test_wrong_secret_key_is_a_permanent_signature_failure(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(secret_key="not-the-key").check_selfie(image=media(selfie_jpeg()))

    err = info.value
    assert (err.vendor, err.code, err.transient) == ("tencent_cloud", "AuthFailure.SignatureFailure", False)
    assert err.request_id
    assert sandbox.call_count(ACTION) == 1


def test_unknown_secret_id_is_permanent(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(secret_id="AKIDsomebodyElse").check_selfie(image=media(selfie_jpeg()))
    assert (info.value.code, info.value.transient) == ("AuthFailure.SecretIdNotFound", False)


def test_missing_credentials_send_nothing(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(secret_id="").check_selfie(image=media(selfie_jpeg()))
    assert (info.value.code, info.value.transient) == ("InvalidCredential", False)
    assert sandbox.call_count() == 0


def test_rate_limit_is_transient_with_exactly_one_call(make_provider, sandbox):
    sandbox.add_fault("rate_limit", ACTION)  # every call: an SDK retryer would call again
    with pytest.raises(ProviderError) as info:
        make_provider().check_selfie(image=media(selfie_jpeg()))

    err = info.value
    assert (err.vendor, err.code, err.transient) == ("tencent_cloud", "FailedOperation.RequestLimitExceeded", True)
    assert sandbox.call_count(ACTION) == 1


@pytest.mark.parametrize(
    ("kind", "spec", "vendor", "code"),
    [
        ("server_error", {}, "http", "500"),
        ("malformed", {}, "http", "malformed"),
        ("timeout", {"ms": 4000}, "http", "timeout"),
    ],
)
def test_transport_failures_are_transient_with_exactly_one_call(make_provider, sandbox, kind, spec, vendor, code):
    sandbox.add_fault(kind, ACTION, **spec)
    with pytest.raises(ProviderError) as info:
        make_provider(timeout=1.0).check_selfie(image=media(selfie_jpeg()))

    err = info.value
    assert (err.vendor, err.code, err.transient) == (vendor, code, True)
    assert sandbox.call_count(ACTION) == 1


def test_connection_refused_is_transient(make_provider, sandbox):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProviderError) as info:
        make_provider(endpoint=f"127.0.0.1:{port}").check_selfie(image=media(selfie_jpeg()))
    assert (info.value.vendor, info.value.code, info.value.transient) == ("http", "connection", True)


def test_tls_failure_is_permanent(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:  # https spoken to the plain-HTTP sandbox
        make_provider(protocol="https").check_selfie(image=media(selfie_jpeg()))
    assert (info.value.vendor, info.value.code, info.value.transient) == ("http", "tls", False)


# --- the sandbox's TC3 check, against requests the SDK itself signs ------------------------------
def _sdk_signed_request(host_port: str, *, secret_key: str = SECRET_KEY, params: dict | None = None) -> SandboxRequest:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=host_port))
    client = iai_client.IaiClient(credential.Credential(SECRET_ID, secret_key), "ap-guangzhou", profile)
    req = RequestInternal(host_port, "POST", "/", header={})
    client._build_req_inter(ACTION, params or {"Image": "", "FaceModelVersion": "3.0"}, req)
    body = req.data.encode() if isinstance(req.data, str) else req.data
    return SandboxRequest(method="POST", path="/", headers={k.lower(): v for k, v in req.header.items()}, body=body)


def test_sandbox_accepts_the_sdks_signature_and_rejects_tampering(iai_settings, sandbox):
    request = _sdk_signed_request(sandbox.host_port)
    assert tencent_cloud.verify_tc3(request) == "iai"

    tampered = SandboxRequest(method="POST", path="/", headers=request.headers, body=request.body + b" ")
    with pytest.raises(tencent_cloud._Reject) as info:
        tencent_cloud.verify_tc3(tampered)
    assert info.value.code == "AuthFailure.SignatureFailure"

    timestamp = int(request.header("x-tc-timestamp"))
    with pytest.raises(tencent_cloud._Reject) as info:
        tencent_cloud.verify_tc3(request, now=timestamp + 301)
    assert info.value.code == "AuthFailure.SignatureExpire"

    unsigned = SandboxRequest(method="POST", path="/", headers={**request.headers, "authorization": ""}, body=request.body)
    response = tencent_cloud.handle(unsigned)
    assert json.loads(response.body)["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"


def test_stock_sdk_client_gets_vendor_errors_from_the_sandbox(iai_settings, sandbox):
    """The unmodified SDK (its own answer checks) sees the sandbox as Tencent Cloud."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )

    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=sandbox.host_port))
    client = iai_client.IaiClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile)
    with pytest.raises(TencentCloudSDKException) as info:
        client.call_json(ACTION, {"Image": "", "FaceModelVersion": "3.0"})
    assert info.value.code == "InvalidParameterValue.ImageEmpty"
    assert info.value.requestId

    bad = iai_client.IaiClient(credential.Credential(SECRET_ID, "wrong"), "ap-guangzhou", profile)
    with pytest.raises(TencentCloudSDKException) as info:
        bad.call_json(ACTION, {"Image": "", "FaceModelVersion": "3.0"})
    assert info.value.code == "AuthFailure.SignatureFailure"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"FaceModelVersion": "4.0", "Image": "x"}, "InvalidParameterValue.FaceModelVersionIllegal"),
        ({"FaceModelVersion": "3.0"}, "MissingParameter.ErrorParameterEmpty"),
        ({"Image": "!!!not base64!!!"}, "FailedOperation.ImageDecodeFailed"),
        ({"Image": "A" * (5 * 1024 * 1024 + 4)}, "FailedOperation.ImageSizeExceed"),
    ],
)
def test_sandbox_parameter_checks(iai_settings, sandbox, params, code):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )

    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=sandbox.host_port))
    client = iai_client.IaiClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile)
    with pytest.raises(TencentCloudSDKException) as info:
        client.call_json(ACTION, params)
    assert info.value.code == code


def test_sandbox_applies_seed_001_resolution_limits(iai_settings, sandbox):
    import base64

    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )

    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=sandbox.host_port))
    client = iai_client.IaiClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile)
    png = base64.b64encode(jpeg(size=(1500, 2100), fmt="PNG")).decode()  # > 2000 px, not JPG
    with pytest.raises(TencentCloudSDKException) as info:
        client.call_json(ACTION, {"Image": png})
    assert info.value.code == "FailedOperation.ImageResolutionExceed"
    gif = base64.b64encode(jpeg(size=(300, 400), fmt="GIF")).decode()
    with pytest.raises(TencentCloudSDKException) as info:
        client.call_json(ACTION, {"Image": gif})
    assert info.value.code == "FailedOperation.ImageDecodeFailed"


def test_the_sdk_request_waits_for_its_departure_once_signed(make_provider, sandbox, departure_probe):
    """Our one-shot transport waits at the departure gate after the SDK built and signed the
    request and before it is sent (liveness.vendors.base.depart)."""
    departure_probe(make_provider().check_selfie, image=Media(selfie_jpeg(), "image/jpeg", "selfie.jpg"))

    assert departure_probe.calls_when_waited == [0] and departure_probe.gate.left_at is not None
    assert sandbox.call_count(ACTION) == 1
