"""The error catalogue against the vendor seed documents, the engine's codes and its own rules.

The seed parsers below read the tables of ``docs/vendor-seeds/*.txt`` directly, so a code added
to (or mistyped in) a seed table and missing from the catalogue fails here. Each parser asserts
it found a sensible number of codes, so the coverage tests cannot pass vacuously.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from liveness.engine import codes as engine_codes
from liveness.vendors import catalogue
from liveness.vendors.youtu import errors as youtu_errors
from liveness.vendors.catalogue import Category, CatalogueEntry, entries, is_transient, lookup

SEEDS = Path(__file__).resolve().parents[2] / "docs" / "vendor-seeds"


def seed_text(number: str) -> str:
    paths = sorted(SEEDS.glob(f"{number}_*.txt"))
    assert len(paths) == 1, f"expected exactly one seed {number}_*.txt in {SEEDS}, found {paths}"
    return paths[0].read_text(encoding="utf-8")


def _after(text: str, marker: str, until: str | None = None) -> str:
    assert marker in text, f"section marker {marker!r} not found"
    section = text.split(marker, 1)[1]
    if until is not None:
        assert until in section, f"end marker {until!r} not found"
        section = section.split(until, 1)[0]
    return section


_MD_ROW = re.compile(r"^\|\s*(-?\d+)\s*\|\s*(.*?)\s*\|\s*$", re.M)


def parse_markdown_error_table(text: str, heading: str) -> dict[str, str]:
    """Seeds 000 and 004: ``| code | description |`` rows under the error-code heading."""
    rows = _MD_ROW.findall(_after(text, heading))
    return {code: desc.replace("\\*", "*") for code, desc in rows}


def parse_seed_000() -> dict[str, str]:
    return parse_markdown_error_table(seed_text("000"), "## Error Codes")


def parse_seed_004() -> dict[str, str]:
    return parse_markdown_error_table(seed_text("004"), "## 错误码")


def parse_seed_002() -> dict[str, str]:
    """Seed 002 (flattened HTML): after the "错误码 / 含义" header, a code line then its meaning."""
    section = _after(seed_text("002"), "错误码\n含义\n", "更多其他")
    return dict(re.findall(r"^(-?\d+)\n(.+)$", section, re.M))


def parse_seed_001() -> dict[str, str]:
    """Seed 001: ``Code Description`` lines after "6. Error Code"; codes are CamelCase, dotted."""
    section = _after(seed_text("001"), "6. Error Code")
    pattern = re.compile(r"^((?:[A-Z][a-z]+){2,}(?:\.[A-Za-z]+)?) (.+)$", re.M)
    return dict(pattern.findall(section))


def parse_seed_003() -> dict[str, dict[str, str]]:
    """Seed 003 has three tables: numeric codes, liveness_status values, HTTP statuses."""
    text = seed_text("003")
    codes = dict(
        re.findall(r"^(\d{4})\n([a-z][a-z ]+)\n", _after(text, "code\nField value\nDescription\n"), re.M)
    )
    status_section = _after(text, "Status\nDescription\n", "Threshold")
    statuses = dict(re.findall(r"^([a-z_]+)\n(.+)$", status_section, re.M))
    http = dict(re.findall(r"^(\d{3})\n([A-Z_]+)$", _after(text, "status\nDescription\n"), re.M))
    return {"codes": codes, "statuses": statuses, "http": http}


# --- the parsers genuinely find the seed tables ------------------------------------------------


def test_seed_parsers_find_the_tables():
    s000, s002, s004, s001, s003 = (
        parse_seed_000(), parse_seed_002(), parse_seed_004(), parse_seed_001(), parse_seed_003(),
    )
    assert len(s000) > 40 and len(s002) > 40 and len(s004) > 40
    assert {"3", "15", "213", "-4006", "-5008", "-5015", "-5807"} <= set(s000)
    assert {"24", "-4011", "-4012", "-5016"} <= set(s004) and not {"24", "-5016"} & set(s000)
    assert len(s001) > 60
    assert {"FailedOperation.ImageDecodeFailed", "InternalError", "UnsupportedOperation.UnknowMethod"} <= set(s001)
    assert not any(code.startswith(("The ", "Error", "Parameter")) for code in s001)
    assert set(s003["codes"]) == {"1200", "2003", "2004", "2005", "4000", "4004", "4007"}
    assert set(s003["statuses"]) == {"ok", "hack", "short_time"}
    assert set(s003["http"]) == {"400", "404", "411", "413", "500"}


# --- every seed code is in the catalogue ---------------------------------------------------------


def _missing(vendor: str, codes) -> list[str]:
    return sorted(c for c in codes if not catalogue.is_known(vendor, c) and not catalogue.is_success(vendor, c))


@pytest.mark.parametrize("parse", [parse_seed_000, parse_seed_002, parse_seed_004], ids=["000", "002", "004"])
def test_every_youtu_seed_code_is_catalogued(parse):
    assert _missing("youtu", parse()) == []


def test_every_detectliveface_seed_code_is_catalogued():
    assert _missing("tencent_cloud", parse_seed_001()) == []


def test_every_senseid_seed_code_is_catalogued():
    s003 = parse_seed_003()
    assert _missing("senseid", s003["codes"]) == []
    assert _missing("senseid", s003["statuses"]) == []
    assert _missing("senseid", s003["http"]) == []
    # "ok" is the success status, not an error
    assert catalogue.is_success("senseid", "ok") and not catalogue.is_known("senseid", "ok")


def test_every_local_engine_code_is_catalogued():
    assert len(engine_codes.ALL) > 20
    assert _missing("local", engine_codes.ALL) == []
    assert {e.code for e in entries("local")} == set(engine_codes.ALL)


# --- the vendor's words are the seeds' words ------------------------------------------------------


def test_youtu_wordings_come_from_the_seeds():
    s000, s002, s004 = parse_seed_000(), parse_seed_002(), parse_seed_004()
    for code in set(s000) | set(s002) | set(s004):
        e = lookup("youtu", code)
        expected_sources = tuple(s for s, table in (("seed 000", s000), ("seed 002", s002), ("seed 004", s004)) if code in table)
        assert e.sources == expected_sources, code
        if code in s000:
            assert e.vendor_message_en == s000[code], code
        else:
            assert "translated from seed 004" in e.vendor_message_en, code
        assert e.vendor_message_zh == (s004[code] if code in s004 else s002[code]), code
        if code in s002 and code in s004 and not youtu_errors._same_wording(s002[code], s004[code]):
            assert e.alt_messages == (f"seed 002: {s002[code]}",), code
        else:
            assert e.alt_messages == (), code


def test_seeds_disagreement_on_minimum_resolution_is_kept():
    e = lookup("youtu", -5015)
    assert "320*480" in e.vendor_message_en  # seed 000
    assert "270 * 480" in e.vendor_message_zh  # seed 004
    assert any(m.startswith("seed 002:") and "320" in m for m in e.alt_messages)
    assert "320x480" in e.reviewer_explanation and "270x480" in e.reviewer_explanation


def test_detectliveface_wordings_come_from_seed_001():
    for code, desc in parse_seed_001().items():
        e = lookup("tencent_cloud", code)
        assert e.vendor_message_en == desc, code
        assert "seed 001" in e.sources, code


def test_senseid_wordings_come_from_seed_003():
    s003 = parse_seed_003()
    for table in ("codes", "statuses"):
        for code, desc in s003[table].items():
            if code == "ok":
                continue
            assert desc in lookup("senseid", code).vendor_message_en, code
    for code, name in s003["http"].items():
        assert lookup("senseid", code).vendor_message_en == name


def test_faceid_liveness_compare_results_are_catalogued_with_their_source():
    for code in [
        "FailedOperation.LipFaceIncomplete", "FailedOperation.LipSizeError", "FailedOperation.LipMoveSmall",
        "FailedOperation.LipVoiceRecognize", "FailedOperation.SilentThreshold",
        "FailedOperation.CompareLowSimilarity", "FailedOperation.ActionFirstAction",
        "FailedOperation.LivessDetectFake", "FailedOperation.SilentPictureLiveFail",
    ]:
        e = lookup("tencent_cloud", code)
        assert catalogue.is_known("tencent_cloud", code), code
        assert any("FaceID" in s for s in e.sources), code
        assert "seed 001" not in e.sources, code
    assert lookup("tencent_cloud", "FailedOperation.CompareLowSimilarity").category is Category.POSSIBLE_FRAUD
    assert lookup("tencent_cloud", "FailedOperation.LipSizeError").category is Category.USER_FIXABLE


# --- entry rules ------------------------------------------------------------------------------------


def test_every_entry_is_complete():
    all_entries = entries()
    assert len(all_entries) > 200
    for e in all_entries:
        assert isinstance(e, CatalogueEntry)
        assert e.vendor in catalogue.VENDORS, e
        assert isinstance(e.code, str) and e.code and e.code == e.code.strip(), e
        assert e.reviewer_explanation.strip(), e.code
        assert e.user_message_en.strip() and e.user_message_zh.strip(), e.code
        assert re.search(r"[\u4e00-\u9fff]", e.user_message_zh), e.code
        assert e.vendor_message_en or e.vendor_message_zh, e.code
        assert isinstance(e.category, Category), e.code
        assert e.sources and all(isinstance(s, str) and s for s in e.sources), e.code
        assert isinstance(e.alt_messages, tuple)


def test_codes_are_unique_per_vendor():
    keys = [(e.vendor, e.code) for e in entries()]
    assert len(keys) == len(set(keys))


def test_retry_iff_transient():
    for e in entries():
        assert e.retry == (e.category is Category.TRANSIENT), e.code
        assert is_transient(e.vendor, e.code) == e.retry


def test_user_messages_carry_no_scores_or_codes():
    for e in entries():
        for text in (e.user_message_en, e.user_message_zh):
            assert e.code not in text, e.code
            assert not re.search(r"\bscore\b|threshold|\d+\s*%", text, re.I), e.code


@pytest.mark.parametrize(
    "vendor, code, category",
    [
        ("youtu", "4", Category.CONFIGURATION),
        ("youtu", 13, Category.CONFIGURATION),  # signature replay, not a presentation attack
        ("youtu", 14, Category.CONFIGURATION),
        ("youtu", 15, Category.TRANSIENT),
        ("youtu", 107, Category.TRANSIENT),
        ("youtu", 108, Category.TRANSIENT),
        ("youtu", 213, Category.TRANSIENT),
        ("youtu", -5008, Category.USER_FIXABLE),
        ("youtu", "-5016", Category.POSSIBLE_FRAUD),
        ("youtu", "-5802", Category.TRANSIENT),
        ("tencent_cloud", "FailedOperation.ImageDecodeFailed", Category.USER_FIXABLE),
        ("tencent_cloud", "FailedOperation.ServerError", Category.TRANSIENT),
        ("tencent_cloud", "FailedOperation.RequestLimitExceeded", Category.TRANSIENT),
        ("tencent_cloud", "FailedOperation.RequestTimeout", Category.TRANSIENT),
        ("tencent_cloud", "RequestLimitExceeded", Category.TRANSIENT),
        ("tencent_cloud", "InternalError", Category.TRANSIENT),
        ("tencent_cloud", "AuthFailure.SignatureFailure", Category.CONFIGURATION),
        ("tencent_cloud", "InvalidParameterValue.NoFaceInPhoto", Category.USER_FIXABLE),
        ("senseid", 4007, Category.POSSIBLE_FRAUD),
        ("senseid", "hack", Category.POSSIBLE_FRAUD),
        ("senseid", "short_time", Category.USER_FIXABLE),
        ("senseid", 500, Category.TRANSIENT),
        ("http", "timeout", Category.TRANSIENT),
        ("http", "connection", Category.TRANSIENT),
        ("http", 500, Category.TRANSIENT),
        ("http", "502", Category.TRANSIENT),
        ("http", "503", Category.TRANSIENT),
        ("http", "504", Category.TRANSIENT),
        ("http", "400", Category.CONFIGURATION),
        ("http", "404", Category.CONFIGURATION),
        ("local", engine_codes.DIFFERENT_PERSON, Category.POSSIBLE_FRAUD),
        ("local", engine_codes.SCREEN_REPLAY, Category.POSSIBLE_FRAUD),
        ("local", engine_codes.PRINT_ATTACK, Category.POSSIBLE_FRAUD),
        ("local", engine_codes.FRAME_BORDER, Category.POSSIBLE_FRAUD),
        ("local", engine_codes.FACE_CHANGED, Category.POSSIBLE_FRAUD),
        ("local", engine_codes.WRONG_DIGITS, Category.USER_FIXABLE),
        ("local", engine_codes.NO_FACE, Category.USER_FIXABLE),
    ],
)
def test_categories_of_key_codes(vendor, code, category):
    assert catalogue.is_known(vendor, code)
    e = lookup(vendor, code)
    assert e.category is category
    assert e.code == str(code)


def test_http_4xx_are_permanent_except_timeout_and_rate_limit():
    for e in entries("http"):
        if e.code.isdigit() and e.code.startswith("4"):
            assert e.retry == (e.code in {"408", "429"}), e.code
        if e.code in {"500", "502", "503", "504"}:
            assert e.retry, e.code


def test_signature_errors_are_configuration():
    for code in ["4", "5", "6", "9", "10", "11", "12", "13", "14"]:
        assert lookup("youtu", code).category is Category.CONFIGURATION, code


# --- lookup ------------------------------------------------------------------------------------------


def test_lookup_accepts_ints_and_strings():
    assert lookup("youtu", -5008) is lookup("youtu", "-5008") is lookup(" YouTu ", " -5008 ")
    assert lookup("youtu", -5008).vendor_message_zh.startswith("语音识别失败")


def test_lookup_unknown_code_is_synthetic_and_never_raises():
    for vendor, code in [("youtu", 99999), ("senseid", "weird"), ("nobody", "x"), ("local", ""), ("http", None)]:
        e = lookup(vendor, code)
        assert e.category is Category.CONFIGURATION
        assert e.retry is False
        assert "not in the error catalogue" in e.reviewer_explanation
        assert e.user_message_en and e.user_message_zh
        assert e.sources == ()
        assert not is_transient(vendor, code)


def test_lookup_is_case_insensitive_for_string_codes():
    assert lookup("tencent_cloud", "failedoperation.imagedecodefailed").code == "FailedOperation.ImageDecodeFailed"
    assert lookup("senseid", "HACK").category is Category.POSSIBLE_FRAUD


def test_unknown_tencent_subcode_falls_back_to_its_parent():
    e = lookup("tencent_cloud", "RequestLimitExceeded.SomethingNew")
    assert e.code == "RequestLimitExceeded.SomethingNew"
    assert e.category is Category.TRANSIENT and e.retry
    assert "not in the catalogue" in e.reviewer_explanation
    assert not catalogue.is_known("tencent_cloud", "RequestLimitExceeded.SomethingNew")
    assert lookup("tencent_cloud", "NoSuchFamily.Foo").category is Category.CONFIGURATION


def test_entries_filter_by_vendor():
    assert {e.vendor for e in entries("youtu")} == {"youtu"}
    assert sum(len(entries(v)) for v in catalogue.VENDORS) == len(entries())
    assert entries("nobody") == []


def test_success_values_are_not_errors():
    assert catalogue.is_success("youtu", 0)
    assert catalogue.is_success("senseid", 1000)
    assert catalogue.is_success("tencent_cloud", "Success")
    assert not catalogue.is_success("youtu", -5008)


# --- the management command ---------------------------------------------------------------------------


def test_command_json_lists_every_entry():
    out = io.StringIO()
    call_command("liveness_errors", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert isinstance(data, list) and len(data) == len(entries())
    by_key = {(d["vendor"], d["code"]): d for d in data}
    assert by_key[("youtu", "-5008")]["category"] == "user_fixable"
    assert by_key[("youtu", "-5016")]["category"] == "possible_fraud"
    assert by_key[("tencent_cloud", "FailedOperation.ImageDecodeFailed")]["retry"] is False
    assert by_key[("senseid", "hack")]["category"] == "possible_fraud"
    assert by_key[("http", "503")]["retry"] is True
    assert ("local", "LOCAL_NO_FACE") in by_key
    assert set(by_key[("youtu", "-5015")]) == {f.name for f in CatalogueEntry.__dataclass_fields__.values()} | {
        "user_message_zh"}  # from the .po
    assert by_key[("youtu", "-5015")]["user_message_zh"] == lookup("youtu", "-5015").user_message("zh-hans")


def test_command_json_vendor_filter():
    out = io.StringIO()
    call_command("liveness_errors", "--json", "--vendor", "senseid", stdout=out)
    data = json.loads(out.getvalue())
    assert {d["vendor"] for d in data} == {"senseid"}
    assert {"4007", "hack", "short_time"} <= {d["code"] for d in data}


def test_command_table_and_bad_vendor():
    out = io.StringIO()
    call_command("liveness_errors", "--vendor", "youtu", stdout=out)
    text = out.getvalue()
    assert "-5008" in text and "user_fixable" in text and f"{len(entries('youtu'))} entries" in text
    with pytest.raises(CommandError):
        call_command("liveness_errors", "--vendor", "nobody", stdout=io.StringIO())
