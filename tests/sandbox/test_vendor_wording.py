"""The sandbox speaks with the vendors' own words from the portal's error tables, and reads engine
results as data.

Every code an emulator can answer is collected from its source (the first argument of each
``_Reject(...)`` / ``error(...)`` / ``envelope(...)`` / ``coded(...)`` call and its engine-code
mapping tables), so a new answer cannot slip in with re-typed wording: the code must be in the
vendor's table and the message must be the table's.
"""
from __future__ import annotations

import ast
import inspect
import json
from types import SimpleNamespace

import pytest

from liveness.engine import codes as engine_codes
from liveness.vendors.senseid.errors import ERRORS as SENSEID_ERRORS
from liveness.vendors.senseid.errors import wire_message
from liveness.vendors.tencent_cloud.errors import ERRORS as TENCENT_ERRORS
from liveness.vendors.youtu.errors import ERRORS as YOUTU_ERRORS
from tools.sandbox import senseid, tencent_auth, tencent_cloud, youtu, youtu_auth
from tools.sandbox.http import SandboxRequest


def _literal_first_args(module, names: set[str], *, position: dict[str, int] | None = None) -> set:
    """Constant code arguments (the first, or ``position[name]``) of every call to one of ``names``
    in the module's source."""
    found = set()
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            index = (position or {}).get(node.func.id, 0)
            if len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub) and isinstance(arg.operand, ast.Constant):
                found.add(-arg.operand.value)
            elif isinstance(arg, ast.Constant):
                found.add(arg.value)
    return found


# --- YouTu -----------------------------------------------------------------------------------------
YOUTU_CODES = sorted(
    (_literal_first_args(youtu, {"_Reject", "envelope"})
     | _literal_first_args(youtu_auth, {"_with", "SignatureCheck"}, position={"_with": 1})
     | {c for c in youtu.SELFIE_CODE_MAP.values() if c is not None} | set(youtu.LIVE_CODE_MAP.values())
     | {c for c in youtu.COMPARE_CODE_MAP.values() if c is not None}
     | {youtu.SELFIE_FALLBACK, youtu.LIVE_FALLBACK, youtu.COMPARE_FALLBACK, youtu.COMPARE_NO_VIDEO_FACE}) - {0}
)


def test_youtu_codes_were_collected():
    assert {4, 5, 9, 10, 11, 12, 14, 15, 16, 23, 213, -5805, -5008, -4016, -4018}.issubset(YOUTU_CODES)


@pytest.mark.parametrize("code", YOUTU_CODES)
def test_youtu_answers_carry_the_youtu_tables_wording(code):
    entry = YOUTU_ERRORS.entry(code)
    assert entry is not None, f"the sandbox answers YouTu code {code}, which the youtu table lacks"
    message = youtu.envelope(code).body.decode()
    # seed 000's English where seed 000 has the code, otherwise the vendor's Chinese: never our translation
    expected = entry.vendor_message_en if "seed 000" in entry.sources else entry.vendor_message_zh
    assert youtu.message_for(code) == expected
    assert expected in message


def test_youtu_request_refusal_is_the_table_wording_plus_the_reason():
    response = youtu.handle(SandboxRequest("POST", "/face/livegetfour", {"content-type": "application/json"}, b"{}"))
    body = json.loads(response.body)
    assert body["code"] == 4
    assert body["message"] == YOUTU_ERRORS.message("4") + ": Authorization header is missing or empty"
    assert json.loads(youtu.rate_limited(None).body)["message"] == YOUTU_ERRORS.message("15")


# --- Tencent Cloud -------------------------------------------------------------------------------------
TENCENT_CODES = sorted(
    (_literal_first_args(tencent_cloud, {"_Reject", "error"}) | _literal_first_args(tencent_auth, {"Reject"})
     | set(tencent_cloud.SELFIE_ERRORS.values())
     | set(tencent_cloud.VIDEO_RESULTS.values()) | {tencent_cloud.VIDEO_RESULT_FALLBACK}
     | {"RequestLimitExceeded", "FailedOperation.RequestLimitExceeded"}) - {"Success"}
)


def test_tencent_codes_were_collected():
    assert {"AuthFailure.SignatureFailure", "InternalError", "FailedOperation.ImageSizeExceed",
            "FailedOperation.LivessDetectFake"}.issubset(TENCENT_CODES)


@pytest.mark.parametrize("code", TENCENT_CODES)
def test_tencent_answers_carry_the_tencent_tables_wording(code):
    entry = TENCENT_ERRORS.entry(code)
    assert entry is not None and entry.code == code, f"the sandbox answers {code}, which the tencent_cloud table lacks"
    assert tencent_cloud.message(code, english=True) == entry.vendor_message_en
    assert tencent_cloud.message(code) == (entry.vendor_message_zh or entry.vendor_message_en)


def test_tencent_error_answer_is_the_table_wording_in_the_requested_language():
    request = SandboxRequest("POST", "/", {"x-tc-action": "DetectLiveFace", "x-tc-language": "en-US"}, b"{}")
    error = json.loads(tencent_cloud.handle(request).body)["Response"]["Error"]
    assert error == {"Code": "AuthFailure.InvalidAuthorization",
                     "Message": TENCENT_ERRORS.message("AuthFailure.InvalidAuthorization") + " (no Authorization header)"}
    request.headers["x-tc-language"] = "zh-CN"
    error = json.loads(tencent_cloud.handle(request).body)["Response"]["Error"]
    assert error["Message"].startswith(TENCENT_ERRORS.message("AuthFailure.InvalidAuthorization", language="zh"))


def _engine_result(*, score: float, penalties: list[tuple[str, float]], findings: list[str]):
    similarity = SimpleNamespace(ok=True, code=engine_codes.OK, score=90.0)
    return SimpleNamespace(ok=True, code=engine_codes.OK, score=score, penalties=penalties, findings=findings,
                           similarity=similarity, best_frame_jpeg=None)


def test_tencent_video_verdict_reads_engine_codes_not_finding_text():
    """A presentation-attack cue is known from the result's penalty codes; text that merely starts with
    a code name (or a code whose text is worded differently) does not change the verdict."""
    attack = _engine_result(score=40.0, penalties=[(engine_codes.SCREEN_REPLAY, 60.0)],
                            findings=["moire pattern seen on the face (-60)"])
    assert tencent_cloud.video_verdict(attack)["Result"] == "FailedOperation.LivessDetectFake"
    blur = _engine_result(score=40.0, penalties=[(engine_codes.BLURRY, 60.0)],
                          findings=["LOCAL_SCREEN_REPLAY: only words, the penalty was for blur (-60)"])
    assert tencent_cloud.video_verdict(blur)["Result"] == "FailedOperation.LivessDetectFail"


# --- SenseID --------------------------------------------------------------------------------------------
SENSEID_CODES = sorted(
    (_literal_first_args(senseid, {"_Reject", "coded"}) | set(senseid.PHOTO_CODES.values())) - {1000}
)
SENSEID_STATUSES = sorted(_literal_first_args(senseid, {"_HttpError", "http_error"}) | {500})


@pytest.mark.parametrize("code", SENSEID_CODES)
def test_senseid_answers_carry_the_senseid_tables_wording(code):
    entry = SENSEID_ERRORS.entry(code)
    assert entry is not None, f"the sandbox answers SenseID code {code}, which the senseid table lacks"
    assert entry.vendor_message_en.startswith(wire_message(code) + ": ")
    assert json.loads(senseid.coded(code).body)["message"] == wire_message(code)


@pytest.mark.parametrize("status", SENSEID_STATUSES)
def test_senseid_http_answers_use_the_seeds_names(status):
    message = json.loads(senseid.http_error(status).body)["message"]
    if SENSEID_ERRORS.is_known(status):
        assert message == SENSEID_ERRORS.message(status)
    else:  # a gateway answer seed 003 does not document
        assert message == senseid.GATEWAY_NAMES[status]
