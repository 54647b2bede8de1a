"""SenseID silent_image_verification provider against the SenseID sandbox, over real HTTP.

The sandbox decrypts with ``settings.KYC_PROVIDERS["senseid"]`` (aes_key / aes_iv), so a
provider configured with another key is refused exactly as a real deployment would.
"""
from __future__ import annotations

import base64
import io

import pytest
import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.test import override_settings
from PIL import Image

from liveness.vendors.senseid import crypto as senseid_crypto
from liveness.vendors.base import Media, Metric, Operation, ProviderError
from liveness.vendors.senseid.client import DIGITS_NOT_CHECKED, PATH, SenseidProvider
from tests.mediagen import card_jpeg, digit_video, photo_attack_video, selfie_jpeg

FACTORY_KEY = "dcbbad6765e14139a07d34b92292a672"
FACTORY_IV = "df25d188a061"
DEPLOYMENT_KEY = "0123456789abcdef0123456789ABCDEF"
DEPLOYMENT_IV = "nonce-12char"
DIGITS = "2846"

# Computed once (2026-11) with cryptography's AESGCM, independently of the provider's code:
#   base64(AESGCM(key.encode()).encrypt(iv.encode(), plaintext, None))
VECTOR_PLAINTEXT = b"SenseID fixed test vector: photo+video v1\n"
VECTOR_FACTORY = "10Wb49kwW2Y1PEGHTqPIIZOizlqi8+yEluluL+IWTiaMCK96az8oKikczA6Ew9BxfyZ/2yZr1JFwtA=="
VECTOR_DEPLOYMENT_PLAINTEXT = b"\x00\x01\x02" * 5
VECTOR_DEPLOYMENT = "TqWKoAMApIE3slRWwpeiBayOH2kF/Ku4wIFqKEeJNA=="


def video_media(data: bytes, content_type="video/webm") -> Media:
    return Media(content=data, content_type=content_type, filename="video")


def image_media(data: bytes, content_type="image/jpeg") -> Media:
    return Media(content=data, content_type=content_type, filename="card")


# --- encryption --------------------------------------------------------------------------------
def test_fixed_vector_with_the_factory_key():
    independent = base64.b64encode(
        AESGCM(FACTORY_KEY.encode("utf-8")).encrypt(FACTORY_IV.encode("utf-8"), VECTOR_PLAINTEXT, None)).decode()
    assert independent == VECTOR_FACTORY
    assert senseid_crypto.encrypt(VECTOR_PLAINTEXT) == VECTOR_FACTORY  # the defaults are the factory values
    assert senseid_crypto.encrypt(VECTOR_PLAINTEXT, key=FACTORY_KEY, iv=FACTORY_IV) == VECTOR_FACTORY
    raw = base64.b64decode(VECTOR_FACTORY)
    assert len(raw) == len(VECTOR_PLAINTEXT) + 16  # ciphertext || 128-bit tag, as Java's AES/GCM/NoPadding
    assert senseid_crypto.decrypt(VECTOR_FACTORY) == VECTOR_PLAINTEXT


def test_fixed_vector_with_a_deployment_key_and_round_trip():
    assert senseid_crypto.encrypt(VECTOR_DEPLOYMENT_PLAINTEXT, key=DEPLOYMENT_KEY, iv=DEPLOYMENT_IV) == VECTOR_DEPLOYMENT
    assert senseid_crypto.decrypt(VECTOR_DEPLOYMENT, key=DEPLOYMENT_KEY, iv=DEPLOYMENT_IV) == VECTOR_DEPLOYMENT_PLAINTEXT
    blob = bytes(range(256)) * 3
    assert senseid_crypto.decrypt(senseid_crypto.encrypt(blob, key=DEPLOYMENT_KEY, iv=DEPLOYMENT_IV),
                                  key=DEPLOYMENT_KEY, iv=DEPLOYMENT_IV) == blob


def test_wrong_key_damaged_data_and_bad_lengths_are_refused():
    with pytest.raises(senseid_crypto.SenseidCryptoError):
        senseid_crypto.decrypt(VECTOR_FACTORY, key=DEPLOYMENT_KEY, iv=FACTORY_IV)
    damaged = base64.b64decode(VECTOR_FACTORY)
    damaged = base64.b64encode(damaged[:-1] + bytes([damaged[-1] ^ 1])).decode()
    with pytest.raises(senseid_crypto.SenseidCryptoError):
        senseid_crypto.decrypt(damaged)
    with pytest.raises(senseid_crypto.SenseidCryptoError):
        senseid_crypto.encrypt(b"x", key="too short")
    with pytest.raises(senseid_crypto.SenseidCryptoError):
        senseid_crypto.encrypt(b"x", iv="0123456789abcdef")  # a 16-byte IV is not the manual's 12


# --- provider fixtures ---------------------------------------------------------------------------
@pytest.fixture
def senseid_settings(sandbox):
    config = {
        **settings.KYC_PROVIDERS,
        "senseid": {
            "base_url": sandbox.base_url, "api_key": "", "aes_key": DEPLOYMENT_KEY, "aes_iv": DEPLOYMENT_IV,
            "body_encoding": "multipart", "timeout": 30.0,
        },
    }
    with override_settings(KYC_PROVIDERS=config):
        yield config["senseid"]


@pytest.fixture
def make_provider(senseid_settings):
    def make(**overrides) -> SenseidProvider:
        return SenseidProvider(config={**senseid_settings, **overrides})

    return make


def test_provider_contract_and_local_digits(make_provider, sandbox):
    provider = make_provider()
    assert (provider.name, provider.vendor) == ("senseid", "senseid")
    assert provider.operations == frozenset({Operation.DIGIT_VIDEO})
    digits = provider.challenge_digits()
    assert digits.isdigit() and len(digits) == 4
    assert sandbox.call_count() == 0  # SenseID has no challenge API


# --- success and judgements ----------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["multipart", "json"])
def test_same_person_passes_with_scores_and_photos(make_provider, sandbox, encoding):
    result = make_provider(body_encoding=encoding).check_video(
        video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))

    assert result.error_code == "", (result.error_message, result.findings)
    similarity = result.score(Metric.SIMILARITY)
    assert similarity.scale == 1.0 and similarity.value > 0.7
    reference = result.score("liveness_reference")
    assert reference.scale == 1.0 and 0 <= reference.value <= 1
    assert result.score(Metric.LIVENESS) is None  # liveness_score is "for reference only"
    assert Image.open(io.BytesIO(result.photos["best_frame"])).format == "JPEG"
    assert Image.open(io.BytesIO(result.photos["face_crop"])).format == "JPEG"
    assert DIGITS_NOT_CHECKED in result.findings
    assert result.raw["passed"] is True and result.raw["liveness_status"] == "ok"
    assert "base64_image" not in result.raw and "base64_face_image" not in result.raw
    assert result.request_id
    assert sandbox.call_count(PATH) == 1


def test_return_flags_are_honoured(make_provider):
    result = make_provider(return_image=False, return_face_image=False, return_status=False).check_video(
        video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))

    assert result.error_code == ""
    assert result.photos == {}
    assert "liveness_status" not in result.raw and "image_timestamp" not in result.raw
    assert result.score(Metric.SIMILARITY) is not None


def test_wrong_digits_do_not_matter_to_silent_liveness(make_provider):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits="9999",
                                         card=image_media(card_jpeg()))
    assert result.error_code == ""
    assert DIGITS_NOT_CHECKED in result.findings


@pytest.mark.parametrize("variation", [{"audio": False}])
def test_silent_video_passes_without_speech(make_provider, variation):
    """Silent liveness: a moving face with no audio track at all is fine. (A face that never
    moves, ``talking=False``, used to pass here too; issue 19 makes it a photo attack, below.)"""
    result = make_provider().check_video(video=video_media(digit_video(DIGITS, **variation)), digits=DIGITS,
                                         card=image_media(card_jpeg()))
    assert result.error_code == "", (result.error_message, result.findings)
    assert result.score(Metric.SIMILARITY).value > 0.7


def test_face_covered_for_half_the_video_is_4007(make_provider):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS, face_visible=0.5)), digits=DIGITS,
                                         card=image_media(card_jpeg()))
    assert result.error_code == "4007"


def test_video_under_two_seconds_is_short_time(make_provider, sandbox):
    short = digit_video("7", duration=1.2)
    result = make_provider().check_video(video=video_media(short), digits="7", card=image_media(card_jpeg()))

    assert result.error_code == "short_time"
    assert result.raw["passed"] is False
    assert result.score(Metric.SIMILARITY) is None
    assert sandbox.call_count(PATH) == 1


def test_face_swapped_mid_video_is_hack(make_provider):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS, switch_to="lfw:3")), digits=DIGITS,
                                         card=image_media(card_jpeg()))
    assert result.error_code == "hack"


def test_someone_elses_card_passes_liveness_with_a_low_score(make_provider):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                         card=image_media(card_jpeg("lfw:3")))
    assert result.error_code == ""  # passed = liveness; the comparison is judged by the 0.7 threshold
    assert result.score(Metric.SIMILARITY).value < 0.7


def test_photo_without_a_face_is_4000(make_provider, sandbox):
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                         card=image_media(selfie_jpeg(no_face=True)))
    assert result.error_code == "4000"
    assert result.error_message.startswith("detection failed")
    assert sandbox.call_count(PATH) == 1


# --- validation before the call ------------------------------------------------------------------
def test_gif_photo_is_refused_without_a_call(make_provider, sandbox):
    buf = io.BytesIO()
    Image.new("RGB", (300, 400), (0, 0, 200)).save(buf, "GIF")
    result = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                         card=image_media(buf.getvalue(), "image/gif"))
    assert result.error_code == "2005"
    assert result.raw["refused_before_call"] is True
    assert sandbox.call_count() == 0


def test_missing_photo_is_permanent_without_a_call(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS, card=None)
    assert (info.value.vendor, info.value.code, info.value.transient) == ("senseid", "1200", False)
    assert sandbox.call_count() == 0


# --- failures without a usable answer --------------------------------------------------------------
def test_wrong_aes_key_is_invalid_argument_and_permanent(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(aes_key=FACTORY_KEY, aes_iv=FACTORY_IV).check_video(
            video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))

    err = info.value
    assert (err.vendor, err.code, err.transient, err.http_status) == ("senseid", "1200", False, 400)
    assert err.request_id
    assert sandbox.call_count(PATH) == 1


def test_api_key_gate_is_an_authorisation_failure(senseid_settings, sandbox):
    gated = {**settings.KYC_PROVIDERS, "senseid": {**senseid_settings, "api_key": "deployment-key-1"}}
    with override_settings(KYC_PROVIDERS=gated):
        without = SenseidProvider(config={**senseid_settings, "api_key": ""})
        with pytest.raises(ProviderError) as info:
            without.check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))
        assert (info.value.vendor, info.value.code, info.value.transient) == ("http", "401", False)

        # with the key the request gets past the gate (and then meets the wrong AES key: 1200)
        with_key = SenseidProvider(config={**senseid_settings, "api_key": "deployment-key-1", "aes_key": FACTORY_KEY})
        with pytest.raises(ProviderError) as info:
            with_key.check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))
        assert info.value.code == "1200"
    assert sandbox.call_count(PATH) == 2


def test_body_over_the_deployment_limit_is_413(senseid_settings, sandbox):
    small = {**settings.KYC_PROVIDERS, "senseid": {**senseid_settings, "sandbox_max_body_bytes": 10_000}}
    with override_settings(KYC_PROVIDERS=small):
        with pytest.raises(ProviderError) as info:
            SenseidProvider(config=senseid_settings).check_video(
                video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))
    assert (info.value.vendor, info.value.code, info.value.transient) == ("senseid", "413", False)


def test_wrong_base_url_is_404(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(base_url=sandbox.base_url + "/wrong-prefix").check_video(
            video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))
    assert (info.value.code, info.value.transient, info.value.http_status) == ("404", False, 404)


def test_tls_failure_is_permanent(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:  # https spoken to the plain-HTTP sandbox
        make_provider(base_url=sandbox.base_url.replace("http://", "https://")).check_video(
            video=video_media(digit_video(DIGITS)), digits=DIGITS, card=image_media(card_jpeg()))
    assert (info.value.vendor, info.value.code, info.value.transient) == ("http", "tls", False)


@pytest.mark.parametrize(
    ("kind", "spec", "vendor", "code"),
    [
        ("rate_limit", {}, "http", "429"),
        ("server_error", {}, "http", "500"),
        ("malformed", {}, "http", "malformed"),
        ("timeout", {"ms": 4000}, "http", "timeout"),
    ],
)
def test_transient_failures_make_exactly_one_call(make_provider, sandbox, kind, spec, vendor, code):
    sandbox.add_fault(kind, PATH, **spec)
    with pytest.raises(ProviderError) as info:
        make_provider(timeout=1.5).check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                               card=image_media(card_jpeg()))
    err = info.value
    assert (err.vendor, err.code, err.transient) == (vendor, code, True)
    assert sandbox.call_count(PATH) == 1


# --- the sandbox's HTTP-level answers --------------------------------------------------------------
def test_sandbox_requires_a_content_length(senseid_settings, sandbox):
    def chunks():
        yield b"encrypted_video=x"

    response = requests.post(sandbox.url(PATH), data=chunks(), headers={"Content-Type": "application/json"},
                             timeout=10)
    assert response.status_code == 411
    assert response.json()["message"].startswith("LENGTH_REQUIRED")


def test_sandbox_missing_field_and_bad_boolean_are_1200(senseid_settings, sandbox):
    video = senseid_crypto.encrypt(b"not a video", key=DEPLOYMENT_KEY, iv=DEPLOYMENT_IV)
    response = requests.post(sandbox.url(PATH), json={"encrypted_video": video}, timeout=10)
    assert (response.status_code, response.json()["code"]) == (400, 1200)
    response = requests.post(sandbox.url(PATH), json={"encrypted_video": video, "encrypted_image": video,
                                                      "return_status": "maybe"}, timeout=10)
    assert response.json()["code"] == 1200


def test_the_request_waits_for_its_departure_once_encrypted(make_provider, sandbox, departure_probe):
    """Built, encrypted and encoded first; then the departure wait; then sent (a 5xx answer here,
    so that the engine need not run)."""
    sandbox.add_fault("server_error", "*")
    error = departure_probe(make_provider().check_video, video=video_media(digit_video(DIGITS)), digits=DIGITS,
                            card=image_media(card_jpeg()))

    assert getattr(error, "transient", False), error
    assert departure_probe.calls_when_waited == [0] and departure_probe.gate.left_at is not None
    assert sandbox.call_count() == 1


# --- issue 19: a photo filmed with a moving phone is an attack -----------------------------------
@pytest.mark.parametrize("video", [
    pytest.param(lambda: photo_attack_video(), id="photo-zoom-pan"),
    pytest.param(lambda: digit_video(DIGITS, talking=False), id="still-face"),
])
def test_photo_filmed_with_zoom_and_pan_is_hack(make_provider, video):
    result = make_provider().check_video(video=video_media(video()), digits=DIGITS, card=image_media(card_jpeg()))
    assert result.error_code == "hack", (result.error_code, result.raw)
    assert result.raw["code"] == 1000 and result.raw["passed"] is False
    assert result.raw["liveness_status"] == "hack"


def test_photo_attack_scores_below_a_talking_face(make_provider):
    attack = make_provider().check_video(video=video_media(photo_attack_video()), digits=DIGITS,
                                         card=image_media(card_jpeg()))
    talking = make_provider().check_video(video=video_media(digit_video(DIGITS)), digits=DIGITS,
                                          card=image_media(card_jpeg()))
    assert talking.raw["liveness_status"] == "ok"
    assert attack.raw["liveness_score"] < talking.raw["liveness_score"]


def test_sandbox_names_a_field_of_the_wrong_type(senseid_settings, sandbox):
    response = requests.post(sandbox.url(PATH), json={"encrypted_video": 123, "encrypted_image": "x"}, timeout=10)
    body = response.json()
    assert body["code"] == 1200
    assert "encrypted_video must be a string" in body["message"] and "is required" not in body["message"]
