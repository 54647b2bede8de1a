"""Tencent FaceID (GetLiveCode + LivenessCompare, LIP mode) against the Tencent Cloud sandbox.

Real HTTP, the official SDK unpatched; credentials reach both sides through
``settings.KYC_PROVIDERS["tencent_faceid"]``.
"""
from __future__ import annotations

import base64
import io

import pytest
from django.conf import settings
from django.test import override_settings
from PIL import Image
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301 import faceid_client, models

from liveness.vendors.base import Media, Metric, Operation, ProviderError
from liveness.vendors.tencent_cloud.faceid import TencentFaceidProvider
from liveness.vendors.video_fit import probe_video
from tests.mediagen import card_jpeg, digit_video, selfie_jpeg

SECRET_ID = "AKIDfaceidProviderTest00000000001"
SECRET_KEY = "faceid-provider-test-secret-key-01"
COMPARE = "LivenessCompare"
LIVE_CODE = "GetLiveCode"
DIGITS = "3185"  # the engine's recogniser is reliable on these (see report)


def video_media(data: bytes, content_type="video/webm") -> Media:
    return Media(content=data, content_type=content_type, filename="video")


def image_media(data: bytes, content_type="image/jpeg") -> Media:
    return Media(content=data, content_type=content_type, filename="card")


def gif() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 10, 10)).save(buf, "GIF")
    return buf.getvalue()


@pytest.fixture
def faceid_settings(sandbox):
    config = {
        **settings.KYC_PROVIDERS,
        "tencent_faceid": {
            "endpoint": sandbox.host_port, "protocol": "http", "region": "ap-guangzhou",
            "secret_id": SECRET_ID, "secret_key": SECRET_KEY, "timeout": 30.0,
        },
    }
    with override_settings(KYC_PROVIDERS=config):
        yield config["tencent_faceid"]


@pytest.fixture
def make_provider(faceid_settings):
    def make(**overrides) -> TencentFaceidProvider:
        return TencentFaceidProvider(config={**faceid_settings, **overrides})

    return make


def test_provider_contract(make_provider):
    provider = make_provider()
    assert (provider.name, provider.vendor) == ("tencent_faceid", "tencent_cloud")
    assert provider.operations == frozenset({Operation.DIGIT_VIDEO})


def test_challenge_digits_come_from_getlivecode(make_provider, sandbox):
    digits = make_provider().challenge_digits()
    assert digits.isdigit() and len(digits) == 4
    assert sandbox.call_count(LIVE_CODE) == 1


# --- success and judgements -------------------------------------------------------------------
def test_browser_webm_is_transcoded_and_compared(make_provider, sandbox):
    webm = digit_video(DIGITS)
    assert probe_video(webm).kind == "webm"

    result = make_provider().check_video(video=video_media(webm), digits=DIGITS, card=image_media(card_jpeg()))

    assert result.error_code == "", (result.error_message, result.findings)
    sim = result.score(Metric.SIMILARITY)
    assert sim is not None and sim.scale == 100.0 and sim.value >= 70
    assert result.request_id
    assert Image.open(io.BytesIO(result.photos["best_frame"])).format == "JPEG"
    assert "BestFrameBase64" not in result.raw and result.raw["Result"] == "Success"
    assert any("transcoded from WEBM" in f and "audio kept" in f for f in result.findings)
    assert sandbox.call_count(COMPARE) == 1


def test_mp4_is_sent_as_is(make_provider, sandbox):
    mp4 = digit_video(DIGITS, fmt="mp4")
    result = make_provider().check_video(video=video_media(mp4, "video/mp4"), digits=DIGITS,
                                         card=image_media(card_jpeg()))
    assert result.error_code == ""
    assert not any("transcoded" in f for f in result.findings)
    assert sandbox.call_count(COMPARE) == 1


def test_wrong_digits_are_the_vendors_voice_code(make_provider, sandbox):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits="6012",
                                         card=image_media(card_jpeg()))

    assert result.error_code == "FailedOperation.LipVoiceRecognize"
    assert result.error_message  # the vendor's Description
    assert sandbox.call_count(COMPARE) == 1


def test_card_of_someone_else_is_low_similarity_with_its_score(make_provider):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                         card=image_media(card_jpeg("lfw:3")))

    assert result.error_code == "FailedOperation.CompareLowSimilarity"
    assert result.score(Metric.SIMILARITY).value < 70
    assert "best_frame" not in result.photos


# --- validation before the call ------------------------------------------------------------------
def test_missing_card_is_a_permanent_error_without_a_call(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS, card=None)

    err = info.value
    assert (err.vendor, err.code, err.transient) == ("tencent_cloud", "MissingParameter", False)
    assert "card photo" in err.message
    assert sandbox.call_count() == 0


def test_gif_card_is_refused_without_a_call(make_provider, sandbox):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                         card=image_media(gif(), "image/gif"))
    assert result.error_code == "FailedOperation.ImageDecodeFailed"
    assert result.raw["refused_before_call"] is True
    assert sandbox.call_count() == 0


def test_oversize_video_is_refused_without_a_call_when_fitting_is_off(make_provider, sandbox):
    mp4 = digit_video(DIGITS, fmt="mp4")
    result = make_provider(fit_media=False, video_max_base64_bytes=20_000).check_video(
        video=video_media(mp4, "video/mp4"), digits=DIGITS, card=image_media(card_jpeg()))

    assert result.error_code == "FailedOperation.LipSizeError"
    assert sandbox.call_count() == 0


def test_webm_is_refused_without_a_call_when_fitting_is_off(make_provider, sandbox):
    result = make_provider(fit_media=False).check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                                        card=image_media(card_jpeg()))
    assert result.error_code == "FailedOperation.VideoDecodeFailed"
    assert "WEBM" in result.error_message.upper()
    assert sandbox.call_count() == 0


def test_oversize_video_is_reencoded_under_the_limit(make_provider, sandbox):
    mp4 = digit_video(DIGITS, fmt="mp4")
    limit = int(len(base64.b64encode(mp4)) * 0.7)
    result = make_provider(video_max_base64_bytes=limit).check_video(
        video=video_media(mp4, "video/mp4"), digits=DIGITS, card=image_media(card_jpeg()))

    assert any("re-encoded" in f for f in result.findings), result.findings
    assert sandbox.call_count(COMPARE) == 1


def test_undecodable_video_is_refused_without_a_call(make_provider, sandbox):
    result = make_provider().check_video(video=video_media(b"\x1aE\xdf\xa3 not a video"), digits=DIGITS,
                                         card=image_media(card_jpeg()))
    assert result.error_code == "FailedOperation.VideoDecodeFailed"
    assert sandbox.call_count() == 0


# --- failures without a usable answer ---------------------------------------------------------
def test_wrong_secret_key_is_a_permanent_signature_failure(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(secret_key="wrong-key").challenge_digits()
    assert (info.value.vendor, info.value.code, info.value.transient) == (
        "tencent_cloud", "AuthFailure.SignatureFailure", False)
    assert sandbox.call_count(LIVE_CODE) == 1


@pytest.mark.parametrize(
    ("kind", "spec", "vendor", "code"),
    [
        ("rate_limit", {}, "tencent_cloud", "RequestLimitExceeded"),
        ("server_error", {}, "http", "500"),
        ("malformed", {}, "http", "malformed"),
        ("timeout", {"ms": 4000}, "http", "timeout"),
    ],
)
def test_compare_transient_failures_make_exactly_one_call(make_provider, sandbox, kind, spec, vendor, code):
    sandbox.add_fault(kind, COMPARE, **spec)
    mp4 = digit_video(DIGITS, fmt="mp4")
    with pytest.raises(ProviderError) as info:
        make_provider(timeout=1.5).check_video(video=video_media(mp4, "video/mp4"), digits=DIGITS,
                                               card=image_media(card_jpeg()))
    err = info.value
    assert (err.vendor, err.code, err.transient) == (vendor, code, True)
    assert sandbox.call_count(COMPARE) == 1


def test_getlivecode_rate_limit_is_transient(make_provider, sandbox):
    sandbox.add_fault("rate_limit", LIVE_CODE)
    with pytest.raises(ProviderError) as info:
        make_provider().challenge_digits()
    assert (info.value.code, info.value.transient) == ("RequestLimitExceeded", True)
    assert sandbox.call_count(LIVE_CODE) == 1


# --- the sandbox enforces what the provider adapts to --------------------------------------------
def _stock_client(host_port: str) -> faceid_client.FaceidClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=host_port))
    return faceid_client.FaceidClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile)


def _compare_request(video: bytes, card: bytes, digits: str = DIGITS) -> models.LivenessCompareRequest:
    request = models.LivenessCompareRequest()
    request.LivenessType = "LIP"
    request.ValidateData = digits
    request.ImageBase64 = base64.b64encode(card).decode()
    request.VideoBase64 = base64.b64encode(video).decode()
    return request


def test_sandbox_refuses_webm_like_the_vendor(faceid_settings, sandbox):
    with pytest.raises(TencentCloudSDKException) as info:
        _stock_client(sandbox.host_port).LivenessCompare(_compare_request(digit_video(DIGITS), card_jpeg()))
    assert info.value.code == "FailedOperation.LipVideoInvalid"


def test_sandbox_refuses_a_card_over_3_mb(faceid_settings, sandbox):
    import numpy as np

    noise = np.random.default_rng(1).integers(0, 256, (1600, 1600, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "PNG")
    with pytest.raises(TencentCloudSDKException) as info:
        _stock_client(sandbox.host_port).LivenessCompare(_compare_request(b"x", buf.getvalue()))
    assert info.value.code == "FailedOperation.ImageSizeTooLarge"


def test_sandbox_answers_getlivecode_to_the_stock_sdk(faceid_settings, sandbox):
    response = _stock_client(sandbox.host_port).GetLiveCode(models.GetLiveCodeRequest())
    assert response.LiveCode.isdigit() and response.RequestId


def test_selfie_is_not_an_operation(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider().check_selfie(image=image_media(selfie_jpeg()))
    assert info.value.transient is False
    assert sandbox.call_count() == 0


def test_getlivecode_waits_for_its_departure_before_it_is_sent(make_provider, sandbox, departure_probe):
    digits = departure_probe(make_provider().challenge_digits)

    assert isinstance(digits, str) and digits.isdigit(), digits
    assert departure_probe.calls_when_waited == [0] and departure_probe.gate.left_at is not None
    assert sandbox.call_count(LIVE_CODE) == 1
