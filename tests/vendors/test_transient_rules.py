"""Each vendor has ONE rule for which failures are retried: its VendorSpec's (= its error table's).

Table-driven over every code of every family's table (plus codes no table has): the client's
``ProviderError.transient`` (or its verdict, for codes about the person) is exactly what the
spec says, and what the cross-vendor catalogue shows reviewers. Transport failures (the ``http``
family) are driven end to end through a real HTTP server answering each status the table knows.
"""
from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from liveness.vendors import catalogue
from liveness.vendors.base import Media, ProviderError, ProviderResult
from liveness.vendors.errors import ErrorTable
from liveness.vendors.registry import SPECS
from liveness.vendors.senseid.client import JUDGEMENT_CODES as SENSEID_JUDGEMENTS
from liveness.vendors.senseid.client import SenseidProvider
from liveness.vendors.senseid.spec import SPEC as SENSEID
from liveness.vendors.tencent_cloud.iai import TencentIaiProvider
from liveness.vendors.tencent_cloud.spec import FACEID_SPEC, IAI_JUDGEMENT_CODES, IAI_SPEC, is_faceid_judgement
from liveness.vendors.tencent_cloud.transport import VendorRefusal, call_tencent
from liveness.vendors.transport_errors import HTTP_ERRORS
from liveness.vendors.youtu.client import YoutuLegacyProvider
from liveness.vendors.youtu.spec import SPEC as YOUTU

#: Codes no table has, to pin what each family's rule says about the unknown.
TENCENT_PROBES = ["RequestLimitExceeded.BrandNew", "InternalError.BrandNew", "Brand.New.SystemError",
                  "FailedOperation.BrandNew", "NoSuchFamily.Foo", "AuthFailure.BrandNew"]


def test_every_spec_uses_its_familys_table():
    for spec in SPECS.values():
        assert spec.errors is catalogue.TABLES[spec.family], spec.name
        for code in spec.errors.codes():
            assert spec.is_transient(code) == catalogue.is_transient(spec.family, code) == \
                catalogue.lookup(spec.family, code).retry, (spec.name, code)


# --- YouTu: the envelope code -----------------------------------------------------------------
@pytest.mark.parametrize("code", YOUTU.errors.codes() + ["99999", "-99999"])
def test_youtu_client_applies_the_spec_rule_to_every_code(code):
    provider = YoutuLegacyProvider(config={})
    body = {"code": int(code), "message": "vendor words"}
    try:
        provider._raise_for_code(int(code), body, "rid")
    except ProviderError as exc:
        assert exc.vendor == "youtu" and exc.code == code
        assert exc.transient == YOUTU.is_transient(code) == catalogue.is_transient("youtu", code)
        return
    # not raised: a verdict about the person (negative codes), never a code the rule retries
    assert int(code) < 0 and not YOUTU.is_transient(code)
    assert isinstance(provider._judgement(int(code), body, "rid"), ProviderResult)


# --- Tencent Cloud: Response.Error.Code, for both products ----------------------------------------
class _Answers:
    """An SDK client whose one call answers ``Response.Error.Code = code``."""

    def __init__(self, code: str) -> None:
        self.code = code

    def call(self, action, params, options=None, headers=None):
        raise TencentCloudSDKException(self.code, "vendor words", "rid")


@pytest.mark.parametrize(("spec", "judgement"), [(IAI_SPEC, IAI_JUDGEMENT_CODES.__contains__),
                                                 (FACEID_SPEC, is_faceid_judgement)], ids=["iai", "faceid"])
@pytest.mark.parametrize("code", IAI_SPEC.errors.codes() + TENCENT_PROBES)
def test_tencent_clients_apply_the_spec_rule_to_every_code(spec, judgement, code):
    try:
        answer = call_tencent(_Answers(code), "Action", {}, judgement=judgement)
    except ProviderError as exc:
        assert exc.vendor == "tencent_cloud" and exc.code == code
        assert exc.transient == spec.is_transient(code) == catalogue.lookup("tencent_cloud", code).retry
        return
    assert isinstance(answer, VendorRefusal) and answer.code == code
    assert judgement(code) and not spec.is_transient(code)


def test_tencent_unknown_codes_follow_the_familys_name_rule():
    """What the catalogue tells a reviewer about an unknown code is what the client did with it."""
    assert IAI_SPEC.is_transient("RequestLimitExceeded.BrandNew")  # its documented parent
    assert IAI_SPEC.is_transient("Brand.New.SystemError")  # Tencent's name for a temporary failure
    assert catalogue.lookup("tencent_cloud", "Brand.New.SystemError").category is catalogue.Category.TRANSIENT
    assert not IAI_SPEC.is_transient("NoSuchFamily.Foo")


# --- SenseID: the answer's numeric code -----------------------------------------------------------
@pytest.mark.parametrize("code", [c for c in SENSEID.errors.codes() if c.isdigit()] + ["9999"])
def test_senseid_client_applies_the_spec_rule_to_every_code(code):
    provider = SenseidProvider(config={"base_url": "http://127.0.0.1:9"})
    data = {"code": int(code), "message": "vendor words", "request_id": "rid", "_http_status": 400}
    try:
        result = provider._result(data, [])
    except ProviderError as exc:
        assert exc.vendor == "senseid" and exc.code == code
        assert exc.transient == SENSEID.is_transient(code) == catalogue.is_transient("senseid", code)
        return
    assert result.error_code == code and code in SENSEID_JUDGEMENTS and not SENSEID.is_transient(code)


# --- the client asks the rule: change the rule, the client follows ---------------------------------
@pytest.mark.parametrize(("family", "raise_it"), [
    ("youtu", lambda: YoutuLegacyProvider(config={})._raise_for_code(-5008, {"message": "m"}, "rid")),
    ("tencent_cloud", lambda: call_tencent(_Answers("FailedOperation.ImageDecodeFailed"), "DetectLiveFace", {},
                                           judgement=IAI_JUDGEMENT_CODES.__contains__)),
    ("senseid", lambda: SenseidProvider(config={"base_url": "http://x"})._result(
        {"code": 4007, "message": "m", "_http_status": 400}, [])),
])
def test_clients_take_transience_from_their_familys_table(monkeypatch, family, raise_it):
    """A verdict code (never retried) becomes transient when the family table says so: the client
    has no list of its own."""
    original = ErrorTable.is_transient
    monkeypatch.setattr(ErrorTable, "is_transient",
                        lambda self, code: self.family == family or original(self, code))
    with pytest.raises(ProviderError) as info:
        raise_it()
    assert info.value.transient is True and info.value.vendor == family


# --- transport failures: every HTTP status of the http table, over real HTTP ---------------------------
class _StatusServer:
    def __init__(self) -> None:
        status_holder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - stdlib name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = b"<html>gateway page</html>"
                self.send_response(status_holder.status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.status = 500
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def status_server():
    server = _StatusServer()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (120, 100, 90)).save(out, format="JPEG")
    return out.getvalue()


HTTP_STATUSES = [c for c in HTTP_ERRORS.codes() if c.isdigit()] + ["418", "505"]


@pytest.mark.parametrize("status", HTTP_STATUSES)
def test_http_statuses_are_retried_by_the_http_rule_in_every_client(status_server, status):
    status_server.status = int(status)
    base = f"http://127.0.0.1:{status_server.port}"
    calls = {
        "youtu_legacy": lambda: YoutuLegacyProvider(config={
            "endpoint": base, "appid": "1", "secret_id": "id", "secret_key": "key"}).check_selfie(
            image=Media(_jpeg(), "image/jpeg")),
        "tencent_iai": lambda: TencentIaiProvider(config={
            "endpoint": f"127.0.0.1:{status_server.port}", "protocol": "http", "secret_id": "AKIDx",
            "secret_key": "key", "timeout": 5}).check_selfie(image=Media(_jpeg(), "image/jpeg")),
        "senseid": lambda: SenseidProvider(config={"base_url": base, "timeout": 5})._post(
            {"encrypted_video": "v", "encrypted_image": "i"}),
    }
    for name, call in calls.items():
        with pytest.raises(ProviderError) as info:
            call()
        err = info.value
        assert err.code == status and err.http_status == int(status), name
        # a 4xx SenseID's own seed documents is a senseid code; every other status is transport
        senseid_code = name == "senseid" and int(status) < 500 and SENSEID.errors.is_known(status)
        rule = SENSEID if senseid_code else HTTP_ERRORS
        assert err.vendor == ("senseid" if rule is SENSEID else "http"), name
        assert err.transient == rule.is_transient(status) == catalogue.is_transient(err.vendor, status), name
