"""The portal's request id reaches the vendor: every vendor family's HTTP call carries it in
``X-Request-Id`` (over real HTTP, to the sandbox, which logs the header it received), and a call
made outside any request carries no such header."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from liveness.ops import context
from liveness.vendors.base import Media
from liveness.vendors.senseid.client import SenseidProvider
from liveness.vendors.tencent_cloud.iai import TencentIaiProvider
from liveness.vendors.youtu.client import YoutuLegacyProvider
from tests.mediagen import card_jpeg, digit_video, selfie_jpeg
from tests.vendors.conftest import YOUTU_SANDBOX_CREDS, sandbox, sandbox_server  # noqa: F401  (fixtures)

SENSEID_KEY, SENSEID_IV = "0123456789abcdef0123456789ABCDEF", "nonce-12char"


def _providers(sandbox):  # noqa: F811  (the fixture's value)
    return {
        "youtu_legacy": lambda: YoutuLegacyProvider(config={
            "endpoint": sandbox.base_url, "bucket": "", "timeout": 60.0, "signature_ttl": 3600, **YOUTU_SANDBOX_CREDS}),
        "senseid": lambda: SenseidProvider(config={
            "base_url": sandbox.base_url, "api_key": "", "aes_key": SENSEID_KEY, "aes_iv": SENSEID_IV,
            "body_encoding": "multipart", "timeout": 60.0}),
        "tencent_iai": lambda: TencentIaiProvider(config={
            "endpoint": sandbox.host_port, "protocol": "http", "region": "ap-guangzhou", "timeout": 60.0,
            "secret_id": "AKIDopsRequestIdTest0000000000001", "secret_key": "ops-request-id-test-secret-0001",
            "face_model_version": "3.0"}),
    }


@pytest.fixture
def configured(sandbox):  # noqa: F811
    """The sandbox checks SenseID bodies with the deployment's AES key (KYC_PROVIDERS["senseid"])."""
    providers = {**settings.KYC_PROVIDERS, "senseid": {**settings.KYC_PROVIDERS.get("senseid", {}),
                                                        "aes_key": SENSEID_KEY, "aes_iv": SENSEID_IV}}
    with override_settings(KYC_PROVIDERS=providers):
        yield _providers(sandbox)


def _vendor_call(make) -> None:
    """One check: a selfie, or (SenseID checks videos only) a digit video with a card photo."""
    provider = make()
    try:
        if isinstance(provider, SenseidProvider):
            provider.check_video(video=Media(content=digit_video("2846"), content_type="video/webm", filename="video"),
                                 digits="2846", card=Media(content=card_jpeg(), content_type="image/jpeg",
                                                           filename="card"))
        else:
            provider.check_selfie(image=Media(content=selfie_jpeg(), content_type="image/jpeg", filename="selfie"))
    except Exception:  # noqa: BLE001  a refusal is fine: the request reached the vendor all the same
        pass


@pytest.mark.parametrize("name", ["youtu_legacy", "senseid", "tencent_iai"])
def test_each_vendor_family_sends_the_request_id(configured, sandbox, name):  # noqa: F811
    with context.bound(request_id="req-ops-4f1c2a9b"):
        _vendor_call(configured[name])

    calls = sandbox.calls()["calls"]
    assert calls, f"{name} made no call"
    assert {call["request_id"] for call in calls} == {"req-ops-4f1c2a9b"}
    if name != "senseid":  # the two that sign their requests: the added header breaks no signature
        assert {call["status"] for call in calls} == {200}, calls


@pytest.mark.parametrize("name", ["youtu_legacy", "senseid", "tencent_iai"])
def test_no_request_id_no_header(configured, sandbox, name):  # noqa: F811
    context.clear()
    _vendor_call(configured[name])

    calls = sandbox.calls()["calls"]
    assert calls and {call["request_id"] for call in calls} == {""}
