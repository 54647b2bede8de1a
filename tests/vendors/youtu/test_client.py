"""YouTu legacy client against the YouTu sandbox, over real HTTP (the client is never patched).

Credentials reach both sides through ``settings.KYC_PROVIDERS["youtu_legacy"]``
(``override_settings``): the provider is built from them and the sandbox accepts them.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.conf import settings
from django.test import override_settings
from PIL import Image

from liveness.vendors.base import Media, Metric, Operation, ProviderError, ProviderResult
from liveness.vendors.youtu.client import YoutuLegacyProvider
from liveness.vendors.youtu.signature import multi_use_signature

APPID = "1250000042"
SECRET_ID = "AKIDyoutuLegacyTest0001"
SECRET_KEY = "youtu-legacy-test-secret-key-01"

PICTURE = "/face/livedetectpicture"
GETFOUR = "/face/livegetfour"
DETECTFOUR = "/face/livedetectfour"


# --- helpers ---------------------------------------------------------------------------------
def hand_signature(*, appid=APPID, bucket="", secret_id=SECRET_ID, key=SECRET_KEY, t=None, e=None, r=7):
    """The documented signature, written out independently of the provider's code."""
    t = int(time.time()) if t is None else t
    e = t + 600 if e is None else e
    original = f"a={appid}&b={bucket}&k={secret_id}&e={e}&t={t}&r={r}&f=".encode()
    return base64.b64encode(hmac.new(key.encode(), original, hashlib.sha1).digest() + original).decode()


def plain_jpeg(size=(300, 400), colour=(128, 128, 128)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


def gif_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 40), (255, 0, 0)).save(buf, "GIF")
    return buf.getvalue()


def jpeg_media(data: bytes, name="face.jpg") -> Media:
    return Media(content=data, content_type="image/jpeg", filename=name)


@pytest.fixture
def youtu_settings(sandbox):
    config = {
        **settings.KYC_PROVIDERS,
        "youtu_legacy": {
            "endpoint": sandbox.base_url, "appid": APPID, "secret_id": SECRET_ID, "secret_key": SECRET_KEY,
            "bucket": "", "timeout": 30.0, "signature_ttl": 3600,
        },
    }
    with override_settings(KYC_PROVIDERS=config):
        yield config["youtu_legacy"]


@pytest.fixture
def provider(youtu_settings) -> YoutuLegacyProvider:
    return YoutuLegacyProvider(config=settings.KYC_PROVIDERS["youtu_legacy"])


@pytest.fixture
def make_provider(youtu_settings):
    def make(**overrides) -> YoutuLegacyProvider:
        return YoutuLegacyProvider(config={**settings.KYC_PROVIDERS["youtu_legacy"], **overrides})

    return make


@pytest.fixture(scope="module")
def media():
    from tests import mediagen

    return mediagen


# --- the signature ----------------------------------------------------------------------------
def test_signature_matches_a_fixed_vector():
    kwargs = dict(appid="1000001", bucket="", secret_id="AKIDfixedVector", secret_key="fixed-secret-key",
                  ttl=3600, now=1700000000, rand=1234567890)
    original = b"a=1000001&b=&k=AKIDfixedVector&e=1700003600&t=1700000000&r=1234567890&f="
    digest = hmac.new(b"fixed-secret-key", original, hashlib.sha1).digest()
    assert len(digest) == 20
    expected = base64.b64encode(digest + original).decode()
    assert multi_use_signature(**kwargs) == expected
    # and the same value computed once with `openssl dgst -sha1 -hmac ... -binary`:
    assert expected == ("B539aR6MC56xp1/C4sPgITj2pOphPTEwMDAwMDEmYj0maz1BS0lEZml4ZWRWZWN0b3ImZT0xNzAwMDAzNjAwJn"
                        "Q9MTcwMDAwMDAwMCZyPTEyMzQ1Njc4OTAmZj0=")
    decoded = base64.b64decode(multi_use_signature(appid="1", secret_id="k", secret_key="s", bucket="bkt"))
    assert decoded[20:].startswith(b"a=1&b=bkt&k=k&e=") and decoded[20:].endswith(b"&f=")


def test_signature_ttl_is_capped_at_three_months():
    sig = multi_use_signature(appid="1", secret_id="k", secret_key="s", ttl=10**9, now=1000, rand=1)
    assert b"&e=7777000&t=1000&" in base64.b64decode(sig)[20:]


def _getfour_raw(sandbox, authorization, appid=APPID):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.post(sandbox.url(GETFOUR), json={"appid": appid}, headers=headers, timeout=10).json()


def test_sandbox_accepts_the_hand_made_signature(sandbox, youtu_settings):
    answer = _getfour_raw(sandbox, hand_signature())
    assert answer["code"] == 0 and len(answer["data"]["validate_data"]) == 4


@pytest.mark.parametrize(
    "authorization, body_appid, code",
    [
        (None, APPID, 4),  # signature is empty
        ("", APPID, 4),
        ("not base64 at all!", APPID, 5),  # incorrect signature string
        (base64.b64encode(b"short").decode(), APPID, 5),
        (base64.b64encode(b"x" * 20 + b"a=1&k=2").decode(), APPID, 5),  # fields missing
        ("e", APPID, 5),
        ("wrong-key", APPID, 14),  # signature verification failed
        ("expired", APPID, 9),  # signature expired
        ("four-months", APPID, 5),  # e more than three months ahead
        ("ok", "1250009999", 6),  # body appid is not the signature's
        ("unknown-appid", "1250009999", 10),  # appid does not exist
        ("unknown-secret-id", APPID, 11),  # secretid does not exist
    ],
)
def test_sandbox_rejects_bad_signatures_with_documented_codes(sandbox, youtu_settings, authorization, body_appid,
                                                              code):
    now = int(time.time())
    authorization = {
        "wrong-key": hand_signature(key="not-the-key"),
        "expired": hand_signature(t=now - 7200, e=now - 10),
        "four-months": hand_signature(e=now + 120 * 24 * 3600),
        "ok": hand_signature(),
        "unknown-appid": hand_signature(appid="1250009999"),
        "unknown-secret-id": hand_signature(secret_id="AKIDnobody"),
    }.get(authorization, authorization)
    answer = _getfour_raw(sandbox, authorization, appid=body_appid)
    assert answer["code"] == code, answer


def test_provider_with_wrong_secret_gets_a_permanent_error(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(secret_key="wrong").challenge_digits()
    assert (info.value.vendor, info.value.code, info.value.transient) == ("youtu", "14", False)
    assert sandbox.call_count(GETFOUR) == 1


def test_provider_without_credentials_makes_no_call(make_provider, sandbox):
    with pytest.raises(ProviderError) as info:
        make_provider(secret_key="").check_selfie(image=jpeg_media(plain_jpeg()))
    assert (info.value.code, info.value.transient) == ("4", False)
    assert sandbox.call_count() == 0


def test_provider_contract(provider):
    assert provider.name == "youtu_legacy" and provider.vendor == "youtu"
    assert provider.operations == {Operation.SELFIE_LIVENESS, Operation.DIGIT_VIDEO}
    defaults = YoutuLegacyProvider(config={})
    assert defaults.endpoint == "https://recognition.image.myqcloud.com"
    assert defaults.timeout == 10.0 and defaults.signature_ttl == 3600


# --- livegetfour -------------------------------------------------------------------------------
def test_challenge_digits(provider, sandbox):
    digits = provider.challenge_digits()
    assert len(digits) == 4 and digits.isdigit()
    assert sandbox.call_count(GETFOUR) == 1
    issued = requests.get(sandbox.url("/_sandbox/youtu/challenges"), timeout=5).json()["challenges"]
    assert any(c["validate_data"] == digits and c["appid"] == APPID for c in issued)


# --- livedetectpicture ---------------------------------------------------------------------------
def test_selfie_multipart(provider, sandbox, media):
    result = provider.check_selfie(image=jpeg_media(media.selfie_jpeg()))
    assert isinstance(result, ProviderResult) and result.vendor == "youtu"
    assert result.error_code == ""
    score = result.score(Metric.LIVENESS)
    assert score is not None and score.scale == 100 and 0 <= score.value <= 100
    assert score.value == int(score.value)  # YouTu scores are integers
    assert result.request_id
    assert result.raw["code"] == 0 and isinstance(result.raw["data"]["score"], int)
    assert sandbox.call_count(PICTURE) == 1


def test_selfie_without_face_is_a_verdict(provider, sandbox):
    result = provider.check_selfie(image=jpeg_media(plain_jpeg()))
    assert result.error_code == "-4015" and not result.scores
    assert sandbox.call_count(PICTURE) == 1


class _OneFileServer:
    """A tiny local HTTP server that serves one payload (the vendor downloads `url` from it)."""

    def __init__(self, payload: bytes, content_type="image/jpeg"):
        outer = self
        self.hits = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits += 1
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/face.jpg"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_selfie_json_url_form_from_a_local_server(sandbox, youtu_settings, media):
    files = _OneFileServer(media.selfie_jpeg())
    try:
        answer = requests.post(sandbox.url(PICTURE), json={"appid": APPID, "url": files.url},
                               headers={"Authorization": hand_signature()}, timeout=60).json()
    finally:
        files.close()
    assert answer["code"] == 0, answer
    assert isinstance(answer["data"]["score"], int) and 0 <= answer["data"]["score"] <= 100
    assert files.hits == 1


def test_selfie_url_wins_over_image(sandbox, youtu_settings, media):
    url = sandbox.put_fixture(b"this is not an image", "image/jpeg")  # the sandbox's own fixture endpoint
    answer = requests.post(
        sandbox.url(PICTURE), headers={"Authorization": hand_signature()}, timeout=60,
        files={"appid": (None, APPID), "url": (None, url), "image": ("face.jpg", media.selfie_jpeg(), "image/jpeg")},
    ).json()
    assert answer["code"] == -4016  # the url's bytes were used (and cannot be decoded), not the good image


@pytest.mark.parametrize("url", ["http://example.com/face.jpg", "http://127.0.0.1:1/unreachable.jpg", "ftp://x/y"])
def test_selfie_url_that_cannot_be_downloaded(sandbox, youtu_settings, url):
    answer = requests.post(sandbox.url(PICTURE), json={"appid": APPID, "url": url},
                           headers={"Authorization": hand_signature()}, timeout=30).json()
    assert answer["code"] == -5805


def test_selfie_request_checks_in_the_sandbox(sandbox, youtu_settings):
    sign = {"Authorization": hand_signature()}
    gif = requests.post(sandbox.url(PICTURE), headers=sign, timeout=10,
                        files={"appid": (None, APPID), "image": ("a.gif", gif_bytes(), "image/gif")}).json()
    assert gif["code"] == -4016
    nothing = requests.post(sandbox.url(PICTURE), headers=sign, json={"appid": APPID}, timeout=10).json()
    assert nothing["code"] == -5805
    no_appid = requests.post(sandbox.url(PICTURE), headers=sign, json={"url": "http://127.0.0.1/"}, timeout=10).json()
    assert no_appid["code"] == 21


# --- refused before any call --------------------------------------------------------------------
def test_gif_selfie_is_refused_before_the_call(provider, sandbox):
    with pytest.raises(ProviderError) as info:
        provider.check_selfie(image=Media(gif_bytes(), "image/gif", "a.gif"))
    assert (info.value.vendor, info.value.code, info.value.transient) == ("youtu", "-4016", False)
    assert "GIF" in info.value.message
    assert sandbox.call_count() == 0


def test_unknown_image_format_is_refused_before_the_call(provider, sandbox):
    with pytest.raises(ProviderError) as info:
        provider.check_selfie(image=Media(b"RIFF....WEBPVP8 ", "image/webp", "a.webp"))
    assert info.value.code == "-4016" and not info.value.transient
    assert sandbox.call_count() == 0


def test_oversized_request_is_refused_before_the_call(provider, sandbox):
    huge = plain_jpeg() + b"\0" * (6 * 1024 * 1024)
    with pytest.raises(ProviderError) as info:
        provider.check_selfie(image=jpeg_media(huge))
    assert (info.value.vendor, info.value.code, info.value.transient) == ("youtu", "23", False)
    assert "6 MB" in info.value.message
    with pytest.raises(ProviderError) as info:
        provider.check_video(video=Media(b"\0" * (6 * 1024 * 1024), "video/mp4", "v.mp4"), digits="1234", card=None)
    assert info.value.code == "23"
    assert sandbox.call_count() == 0


def test_gif_card_is_refused_before_the_call(provider, sandbox):
    with pytest.raises(ProviderError) as info:
        provider.check_video(video=Media(b"\0" * 1000, "video/mp4", "v.mp4"), digits="1234",
                             card=Media(gif_bytes(), "image/gif", "card.gif"))
    assert (info.value.code, info.value.transient) == ("-4018", False)
    assert sandbox.call_count() == 0


# --- transient failures: exactly one call, ProviderError(transient=True) ---------------------------
@pytest.mark.parametrize(
    "fault, vendor, code",
    [
        ({"kind": "rate_limit"}, "youtu", "15"),
        ({"kind": "server_error"}, "http", "500"),
        ({"kind": "timeout", "ms": 5000}, "http", "timeout"),
        ({"kind": "malformed"}, "http", "malformed"),
    ],
    ids=["rate_limit", "server_error", "timeout", "malformed"],
)
def test_transient_failures(make_provider, sandbox, fault, vendor, code):
    provider = make_provider(timeout=0.5)
    sandbox.add_fault(match=PICTURE, **fault)
    with pytest.raises(ProviderError) as info:
        provider.check_selfie(image=jpeg_media(plain_jpeg()))
    assert (info.value.vendor, info.value.code, info.value.transient) == (vendor, code, True)
    assert sandbox.call_count() == 1 and sandbox.call_count(PICTURE) == 1
    assert sandbox.outcomes(PICTURE) == {fault["kind"]: 1}


def test_exhausted_quota_is_transient(provider, sandbox):
    sandbox.add_fault("quota", GETFOUR, per_second=0.01, burst=1)
    provider.challenge_digits()
    with pytest.raises(ProviderError) as info:
        provider.challenge_digits()
    assert (info.value.vendor, info.value.code, info.value.transient) == ("youtu", "15", True)
    assert sandbox.outcomes(GETFOUR) == {"answered": 1, "quota": 1}


def test_connection_refused_is_transient(make_provider):
    with socket_closed_port() as port:
        provider = make_provider(endpoint=f"http://127.0.0.1:{port}")
        with pytest.raises(ProviderError) as info:
            provider.challenge_digits()
    assert (info.value.vendor, info.value.code, info.value.transient) == ("http", "connection", True)


class socket_closed_port:  # noqa: N801 - used as a context manager
    def __enter__(self):
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]  # bound but not listening: connections are refused

    def __exit__(self, *exc):
        self.sock.close()


# --- livedetectfour ----------------------------------------------------------------------------
_VIDEOS: dict[str, bytes] = {}
# Fixed digits the engine's speech recogniser reads reliably from the generated voice (the
# sandbox, like the vendor, does not insist that validate_data came from its own livegetfour).
D = "4821"


def _video(media, digits, spoken=None) -> Media:
    """An MP4 (H.264 + AAC) of the test face reading ``spoken`` (default: ``digits``) aloud."""
    key = spoken or digits
    if key not in _VIDEOS:  # rendering speech + frames is slow: once per digit string
        _VIDEOS[key] = media.digit_video(key, fmt="mp4")
    return Media(_VIDEOS[key], "video/mp4", "video.mp4")


def test_video_without_compare(provider, sandbox, media):
    result = provider.check_video(video=_video(media, D), digits=D, card=None)
    assert result.error_code == "", result
    assert result.scores == [] and result.photos == {}
    data = result.raw["data"]
    assert data["live_status"] == 0 and "compare_status" not in data and "sim" not in data
    assert sandbox.call_count(DETECTFOUR) == 1
    call = [c for c in sandbox.calls()["calls"] if c["endpoint"] == DETECTFOUR][0]
    assert call["outcome"] == "answered"


def test_video_with_compare(provider, sandbox, media):
    result = provider.check_video(video=_video(media, D), digits=D, card=jpeg_media(media.card_jpeg()))
    assert result.error_code == "", result
    sim = result.score(Metric.SIMILARITY)
    assert sim is not None and sim.scale == 100 and 0 <= sim.value <= 100
    data = result.raw["data"]
    assert data["live_status"] == 0 and data["compare_status"] == 0 and isinstance(data["sim"], int)
    assert not data["photo"].startswith("/9j")  # the image is not kept in raw ...
    assert result.photos["best_frame"][:3] == b"\xff\xd8\xff"  # ... but stored as a photo
    assert sandbox.call_count(DETECTFOUR) == 1


def test_wrong_digits_is_surfaced_as_error_code(provider, sandbox, media):
    result = provider.check_video(video=_video(media, D, spoken="1357"), digits=D,
                                  card=jpeg_media(media.card_jpeg()))
    assert result.error_code == "-5008"
    assert result.error_message
    assert result.score(Metric.SIMILARITY) is None  # liveness is judged first
    assert result.raw["data"]["live_status"] == -5008


def test_compare_status_is_judged_after_live_status(provider, sandbox, media):
    result = provider.check_video(video=_video(media, D), digits=D,
                                  card=jpeg_media(plain_jpeg(colour=(200, 190, 180)), "card.jpg"))
    assert result.raw["data"]["live_status"] == 0
    assert result.error_code == "-4017"  # facial detection of card image failed
    assert "sim" not in result.raw["data"] and "photo" not in result.raw["data"]
    assert result.score(Metric.SIMILARITY) is None and result.photos == {}


def test_sandbox_video_request_checks(sandbox, youtu_settings, media):
    sign = {"Authorization": hand_signature()}
    video = _video(media, "1234").content

    def post(**parts):
        files = {"appid": (None, APPID), "validate_data": (None, "1234"), "compare_flag": (None, "false"),
                 "video": ("v.mp4", video, "video/mp4")}
        files.update({k: v for k, v in parts.items() if v is not None})
        for key in [k for k, v in parts.items() if v is None]:
            files.pop(key)
        return requests.post(sandbox.url(DETECTFOUR), headers=sign, files=files, timeout=120).json()

    assert post(validate_data=None)["code"] == 21
    assert post(video=None)["code"] == 21
    assert post(compare_flag=(None, "yes"))["code"] == 21
    assert post(compare_flag=(None, "true"))["code"] == -5805  # no card to compare with
    assert requests.post(sandbox.url(DETECTFOUR), headers=sign, json={"appid": APPID}, timeout=10).json()["code"] == 3
    undecodable = post(video=("v.mp4", b"\0" * 4096, "video/mp4"))
    assert undecodable["code"] == 0 and undecodable["data"]["live_status"] == -5001


def test_video_below_the_minimum_resolution(provider, sandbox, media):
    small = Media(media.digit_video(D, size=(240, 320), fmt="mp4"), "video/mp4", "small.mp4")
    result = provider.check_video(video=small, digits=D, card=None)
    assert result.error_code == "-5015"  # seed 004: minimum 270*480
    assert sandbox.call_count(DETECTFOUR) == 1


def test_requests_wait_for_their_departure_once_built_and_leave_after_it(provider, sandbox, departure_probe, media):
    """The rate limiter's departure wait comes after the request is built and signed, right before
    it is sent (liveness.vendors.base.depart), once per call."""
    result = departure_probe(provider.check_selfie, image=jpeg_media(media.selfie_jpeg()))

    assert not isinstance(result, Exception), result
    assert departure_probe.calls_when_waited == [0] and departure_probe.gate.left_at is not None
    assert sandbox.call_count(PICTURE) == 1
