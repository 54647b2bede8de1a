"""The vendor sandbox server itself: dispatch, the control API, faults, multipart parsing.

Everything goes over real HTTP to a server started in this process (plus one test that
runs ``manage.py vendor_sandbox`` as a subprocess).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import override_settings

from tools.sandbox.http import MultipartError, SandboxRequest, parse_multipart
from tools.sandbox.server import route, start_in_thread

ROOT = Path(__file__).resolve().parents[2]
APPID, SECRET_ID, SECRET_KEY = "1250000001", "AKIDserverTest", "server-test-secret"


def _sign(appid=APPID, secret_id=SECRET_ID, key=SECRET_KEY, *, t=None, e=None, bucket=""):
    t = int(time.time()) if t is None else t
    e = t + 600 if e is None else e
    original = f"a={appid}&b={bucket}&k={secret_id}&e={e}&t={t}&r=42&f=".encode()
    return base64.b64encode(hmac.new(key.encode(), original, hashlib.sha1).digest() + original).decode()


@pytest.fixture(scope="module")
def server():
    srv, base_url = start_in_thread()
    yield srv, base_url
    srv.stop()


@pytest.fixture
def base(server):
    srv, base_url = server
    config = {**settings.KYC_PROVIDERS, "youtu_legacy": {
        **settings.KYC_PROVIDERS.get("youtu_legacy", {}),
        "endpoint": base_url, "appid": APPID, "secret_id": SECRET_ID, "secret_key": SECRET_KEY, "bucket": "",
    }}
    requests.post(base_url + "/_sandbox/reset", timeout=5)
    with override_settings(KYC_PROVIDERS=config):
        yield base_url
    requests.post(base_url + "/_sandbox/reset", timeout=5)


def _getfour(base_url):
    headers = {"Authorization": _sign()}
    return requests.post(base_url + "/face/livegetfour", json={"appid": APPID}, headers=headers, timeout=10)


def _calls(base_url):
    return requests.get(base_url + "/_sandbox/calls", timeout=5).json()


# --- multipart parser ---------------------------------------------------------------------
def _request_from(prepared) -> SandboxRequest:
    return SandboxRequest(method="POST", path="/", headers={k.lower(): v for k, v in prepared.headers.items()},
                          body=prepared.body)


def test_parse_multipart_requests_encoding_round_trips_binary():
    binary = bytes(range(256)) * 10 + b"\r\n--not-a-boundary\r\n"
    prepared = requests.Request("POST", "http://x/", files={
        "appid": (None, "123456"),
        "compare_flag": "true",  # requests gives this part a filename too
        "video": ("v.mp4", binary, "video/mp4"),
    }).prepare()
    fields, files = parse_multipart(_request_from(prepared))
    assert fields["appid"] == "123456"
    assert fields["compare_flag"] == "true"
    assert files["video"] == binary
    assert fields["video"].encode("utf-8", "surrogateescape") == binary


def test_parse_multipart_tolerates_the_seed_example_quirks():
    body = (
        b"----------------acebdf13572468\r\n"
        b'Content-Disposition: form-data; name="appid";\r\n\r\n'
        b"123456\r\n"
        b"----------------acebdf13572468\r\n"
        b'Content-Disposition: form-data; name="image"; filename="face.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n"
        b"xxxx\r\n"
        b"----------------acebdf13572468--\r\n"
    )
    request = SandboxRequest("POST", "/", {"content-type": "multipart/form-data;boundary=--------------acebdf13572468"},
                             body)
    fields, files = parse_multipart(request)
    assert fields["appid"] == "123456"
    assert files["image"] == b"xxxx"


@pytest.mark.parametrize("ctype", ["application/json", "multipart/form-data", ""])
def test_parse_multipart_rejects_non_multipart(ctype):
    with pytest.raises(MultipartError):
        parse_multipart(SandboxRequest("POST", "/", {"content-type": ctype}, b"{}"))


# --- dispatch -------------------------------------------------------------------------------
def test_route_table():
    def req(path, **headers):
        return SandboxRequest("POST", path, {k.lower().replace("_", "-"): v for k, v in headers.items()}, b"")

    assert route(req("/", X_TC_Action="DetectLiveFace")) == ("tencent_cloud", "DetectLiveFace")
    assert route(req("/face/livegetfour")) == ("youtu", "/face/livegetfour")
    assert route(req("/identity/silent_image_verification/stateless")) == (
        "senseid", "/identity/silent_image_verification/stateless")
    assert route(req("/elsewhere"))[0] == ""


def test_health_and_unknown_paths(base):
    health = requests.get(base + "/_sandbox/health", timeout=5).json()
    assert health["ok"] is True and health["vendors"]["youtu"] is True and health["base_url"] == base
    assert requests.post(base + "/nowhere", timeout=5).status_code == 404
    assert requests.get(base + "/_sandbox/nothing-here", timeout=5).status_code == 404
    assert _calls(base)["total"] == 0  # neither reached a vendor


def test_tencent_cloud_requests_are_routed_by_header(base):
    response = requests.post(base + "/", json={}, headers={"X-TC-Action": "DetectLiveFace",
                                                           "X-TC-Version": "2020-03-03"}, timeout=10)
    # the Tencent Cloud emulator's own answer to an unsigned request, counted as a DetectLiveFace call
    assert response.status_code == 200
    assert response.json()["Response"]["Error"]["Code"] == "AuthFailure.InvalidAuthorization"
    assert _calls(base)["endpoints"]["DetectLiveFace"]["total"] == 1


def test_youtu_rejects_wrong_method_and_form(base):
    assert requests.get(base + "/face/livegetfour", timeout=5).status_code == 405
    answer = requests.post(base + "/face/livegetfour", files={"appid": (None, APPID)},
                           headers={"Authorization": _sign()}, timeout=5).json()
    assert answer["code"] == 3  # livegetfour is JSON only
    assert requests.post(base + "/face/nope", timeout=5).json()["code"] == 3


def test_oversized_request_answers_23(base):
    big = b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024)
    answer = requests.post(base + "/face/livedetectpicture", headers={"Authorization": _sign()},
                           files={"appid": (None, APPID), "image": ("a.jpg", big, "image/jpeg")}, timeout=30).json()
    assert answer["code"] == 23


# --- control API: faults and calls ------------------------------------------------------------
def test_fault_validation(base):
    for bad in ({"kind": "explode"}, {"kind": "latency", "times": 0}, {"kind": "quota"},
                {"kind": "latency", "ms": -1}, {"kind": "latency", "colour": "red"}, [{"kind": "latency"}, {}]):
        assert requests.post(base + "/_sandbox/faults", json=bad, timeout=5).status_code == 400
    assert requests.get(base + "/_sandbox/faults", timeout=5).json()["faults"] == []


def test_fault_times_then_normal_and_call_log(base):
    created = requests.post(base + "/_sandbox/faults", json={"match": "/face/livegetfour", "kind": "server_error",
                                                             "times": 1}, timeout=5)
    assert created.status_code == 201
    first, second = _getfour(base), _getfour(base)
    assert first.status_code == 500 and first.json()["code"] == 213
    assert second.status_code == 200 and second.json()["code"] == 0
    snapshot = _calls(base)
    endpoint = snapshot["endpoints"]["/face/livegetfour"]
    assert snapshot["total"] == 2 and endpoint["total"] == 2
    assert endpoint["outcomes"] == {"server_error": 1, "answered": 1}
    assert [c["outcome"] for c in snapshot["calls"]] == ["server_error", "answered"]
    assert requests.delete(base + "/_sandbox/calls", timeout=5).json()["ok"] is True
    assert _calls(base)["total"] == 0


def test_fault_match_patterns(base):
    requests.post(base + "/_sandbox/faults", json=[
        {"match": "/face/livedetect*", "kind": "rate_limit"},
        {"match": "DetectLiveFace", "kind": "rate_limit"},
    ], timeout=5)
    assert _getfour(base).json()["code"] == 0  # not matched
    answer = requests.post(base + "/face/livedetectpicture", json={"appid": APPID, "url": "http://127.0.0.1:1/x"},
                           headers={"Authorization": _sign()}, timeout=5).json()
    assert answer["code"] == 15


def test_remove_single_fault(base):
    fault = requests.post(base + "/_sandbox/faults", json={"kind": "rate_limit"}, timeout=5).json()["faults"][0]
    assert _getfour(base).json()["code"] == 15
    assert requests.delete(base + f"/_sandbox/faults/{fault['id']}", timeout=5).json()["ok"] is True
    assert _getfour(base).json()["code"] == 0


def test_latency_and_threading(base):
    requests.post(base + "/_sandbox/faults", json={"kind": "latency", "ms": 400}, timeout=5)
    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _getfour(base).json()["code"], range(8)))
    elapsed = time.monotonic() - started
    assert answers == [0] * 8
    assert 0.4 <= elapsed < 2.0  # served in parallel, not 8 x 0.4 s
    assert _calls(base)["endpoints"]["/face/livegetfour"]["outcomes"] == {"answered": 8}


def test_timeout_holds_the_socket_and_clearing_releases_it(base):
    requests.post(base + "/_sandbox/faults", json={"kind": "timeout", "ms": 30_000, "times": 1}, timeout=5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(base + "/face/livegetfour", json={"appid": APPID}, headers={"Authorization": _sign()},
                      timeout=0.5)
    assert _calls(base)["endpoints"]["/face/livegetfour"]["outcomes"] == {"timeout": 1}
    # a held request is released by clearing the faults, then answered normally
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("r", _getfour(base)))
    requests.post(base + "/_sandbox/faults", json={"kind": "timeout", "ms": 30_000}, timeout=5)
    thread.start()
    time.sleep(0.3)
    requests.delete(base + "/_sandbox/faults", timeout=5)
    thread.join(5)
    assert result["r"].json()["code"] == 0


def test_malformed_answer(base):
    requests.post(base + "/_sandbox/faults", json={"kind": "malformed", "times": 1}, timeout=5)
    response = _getfour(base)
    with pytest.raises(ValueError):
        response.json()
    assert _calls(base)["endpoints"]["/face/livegetfour"]["outcomes"] == {"malformed": 1}


def test_quota_token_bucket(base):
    requests.post(base + "/_sandbox/faults", json={"kind": "quota", "per_second": 2, "burst": 2}, timeout=5)
    codes = [_getfour(base).json()["code"] for _ in range(4)]
    assert codes[:2] == [0, 0] and 15 in codes[2:]
    time.sleep(1.1)
    assert _getfour(base).json()["code"] == 0
    assert _calls(base)["endpoints"]["/face/livegetfour"]["outcomes"].get("quota", 0) >= 1


def _selfie_call(base_url, image=b"not even an image", **headers):
    return requests.post(base_url + "/face/livedetectpicture", files={"appid": (None, APPID),
                                                                      "image": ("a.jpg", image, "image/jpeg")},
                         headers={"Authorization": _sign(), **headers}, timeout=10)


def test_fixed_answers_a_canned_live_score_after_exactly_ms_without_the_engine(base):
    created = requests.post(base + "/_sandbox/faults", json={"kind": "fixed", "ms": 300,
                                                             "match": "/face/livedetectpicture"}, timeout=5)
    assert created.status_code == 201 and created.json()["faults"][0]["ms"] == 300
    started = time.monotonic()
    response = _selfie_call(base)  # undecodable bytes: the engine would answer -4016
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and response.headers["X-Request-Id"]
    assert response.json() == {"code": 0, "message": "OK", "data": {"score": 98}}
    assert 0.3 <= elapsed < 0.45
    with ThreadPoolExecutor(10) as pool:  # held in parallel, each for its own 300 ms
        started = time.monotonic()
        codes = list(pool.map(lambda _: _selfie_call(base).json()["code"], range(10)))
    assert codes == [0] * 10 and 0.3 <= time.monotonic() - started < 1.0
    endpoint = _calls(base)["endpoints"]["/face/livedetectpicture"]
    assert endpoint["outcomes"] == {"fixed": 11} and endpoint["vendor_codes"] == {"0": 11}
    assert all(299 <= c["duration_ms"] < 400 for c in _calls(base)["calls"])


def test_fixed_still_checks_the_request_like_the_vendor(base):
    requests.post(base + "/_sandbox/faults", json={"kind": "fixed", "ms": 50}, timeout=5)
    bad_signature = _sign(key="not-the-secret")
    assert _selfie_call(base, Authorization=bad_signature).json()["code"] == 14
    no_image = requests.post(base + "/face/livedetectpicture", files={"appid": (None, APPID)},
                             headers={"Authorization": _sign()}, timeout=10).json()
    assert no_image["code"] == -5805
    assert _getfour(base).json()["code"] == 0  # livegetfour runs no analysis: answered as usual
    video = requests.post(base + "/face/livedetectfour", headers={"Authorization": _sign()}, timeout=10,
                          files={"appid": (None, APPID), "validate_data": (None, "1234"),
                                 "compare_flag": (None, "false"), "video": ("v.mp4", b"x", "video/mp4")})
    assert video.status_code == 501  # no canned verdict for a digit video: said, not faked


def test_fixed_gives_way_to_quota_and_answer_faults(base):
    requests.post(base + "/_sandbox/faults", json=[
        {"kind": "fixed", "ms": 200},
        {"kind": "quota", "per_second": 0.5, "burst": 1},
        {"kind": "server_error", "times": 1},
    ], timeout=5)
    first = _selfie_call(base)
    assert first.status_code == 500 and first.json()["code"] == 213  # the bucket's token went to this call
    started = time.monotonic()
    assert _selfie_call(base).json()["code"] == 15  # bucket empty: rate-limited at once, not after 200 ms
    assert time.monotonic() - started < 0.15
    outcomes = _calls(base)["endpoints"]["/face/livedetectpicture"]["outcomes"]
    assert outcomes == {"server_error": 1, "quota": 1}


def test_fixed_validation_and_clearing_releases_held_answers(base):
    assert requests.post(base + "/_sandbox/faults", json={"kind": "fixed", "ms": -5}, timeout=5).status_code == 400
    listed = requests.post(base + "/_sandbox/faults", json={"kind": "fixed"}, timeout=5).json()["faults"][0]
    assert listed["ms"] == 200  # the default
    requests.delete(base + "/_sandbox/faults", timeout=5)
    requests.post(base + "/_sandbox/faults", json={"kind": "fixed", "ms": 30_000}, timeout=5)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("r", _selfie_call(base)))
    thread.start()
    time.sleep(0.3)
    requests.delete(base + "/_sandbox/faults", timeout=5)
    thread.join(5)
    assert result["r"].json()["data"] == {"score": 98}


def test_fixtures_round_trip(base):
    created = requests.post(base + "/_sandbox/fixtures", data=b"\x89PNGdata", headers={"Content-Type": "image/png"},
                            timeout=5).json()
    assert created["url"].startswith(base)
    fetched = requests.get(created["url"], timeout=5)
    assert fetched.content == b"\x89PNGdata" and fetched.headers["Content-Type"] == "image/png"
    assert requests.get(base + "/_sandbox/fixtures/unknown", timeout=5).status_code == 404


def test_youtu_challenges_are_remembered(base):
    digits = _getfour(base).json()["data"]["validate_data"]
    assert len(digits) == 4 and digits.isdigit()
    challenges = requests.get(base + "/_sandbox/youtu/challenges", timeout=5).json()["challenges"]
    assert any(c["validate_data"] == digits and c["appid"] == APPID for c in challenges)


# --- management command -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_management_command_serves_in_the_foreground(tmp_path):
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "kyc_portal.settings")}
    log = open(tmp_path / "sandbox.log", "wb")
    proc = subprocess.Popen([sys.executable, "manage.py", "vendor_sandbox", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1).json()
                break
            except requests.exceptions.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("vendor_sandbox did not start:\n" + (tmp_path / "sandbox.log").read_text())
                time.sleep(0.2)
        assert health["ok"] is True
        requests.post(f"http://127.0.0.1:{port}/face/livegetfour", json={"appid": "x"}, timeout=5)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
    output = (tmp_path / "sandbox.log").read_text()
    assert f"listening on http://127.0.0.1:{port}" in output
    assert "POST /face/livegetfour -> 200" in output  # one log line per request


def test_json_response_bodies_are_json(base):
    body = requests.get(base + "/_sandbox/faults", timeout=5).content
    assert json.loads(body) == {"faults": []}


def test_a_call_in_flight_across_a_reset_finishes_without_being_counted():
    from tools.sandbox.faults import CallLog

    log = CallLog()
    before = log.start(vendor="youtu", endpoint="/face/livedetectpicture", method="POST", path="/face/livedetectpicture")
    log.reset()
    after = log.start(vendor="youtu", endpoint="/face/livedetectpicture", method="POST", path="/face/livedetectpicture")

    log.finish(before, outcome="ok", status=200)  # used to raise KeyError: its bucket was gone
    log.finish(after, outcome="ok", status=200)

    snapshot = log.snapshot()
    assert snapshot["total"] == 1 and snapshot["endpoints"]["/face/livedetectpicture"]["outcomes"] == {"ok": 1}
    assert all("_epoch" not in entry for entry in snapshot["calls"])
