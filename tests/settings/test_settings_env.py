"""The typed environment readers (kyc_portal/settings/env.py) and what the settings package promises:
each bad value is refused with the variable's name, the value and what is allowed; every setting
the code reads is declared; docs/settings.md is what the readers declare."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kyc_portal.settings import env
from tests.settings.test_settings import _start

ROOT = Path(__file__).resolve().parents[2]


def _refused(message: str):
    """pytest.raises for exactly this ImproperlyConfigured message."""
    return pytest.raises(ImproperlyConfigured, match=f"^{re.escape(message)}$")


# --- delay lists ----------------------------------------------------------------------------------
DELAYS_ALLOWED = ("1 to 4 comma-separated whole seconds, each from 1 to 600, none shorter than the one before "
                  "(e.g. '5,30,120')")


@pytest.mark.parametrize(("raw", "problem"), [
    ("5,x,120", "'x' is not a whole number"),
    ("", "it is empty"),
    ("5,,30", "'' is not a whole number"),
    ("0,30", "0 is out of range"),
    ("5,30,601", "601 is out of range"),
    ("120,30,5", "a delay is shorter than the one before it"),
    ("1,2,3,4,5", "it has 5 delays"),
])
def test_bad_delay_lists_are_refused_with_the_reason(monkeypatch, raw, problem):
    monkeypatch.setenv("TEST_DELAYS", raw)
    with _refused(f"TEST_DELAYS must be {DELAYS_ALLOWED}, got {raw!r} ({problem})"):
        env.delays("TEST_DELAYS", (5, 30), high=600, max_items=4)


def test_delay_lists_parse_and_default(monkeypatch):
    assert env.delays("TEST_DELAYS", (5, 30), high=600) == (5, 30)
    monkeypatch.setenv("TEST_DELAYS", " 1, 1 ,60")
    assert env.delays("TEST_DELAYS", (5, 30), high=600) == (1, 1, 60)  # equal steps are fine


# --- rates ----------------------------------------------------------------------------------------
VENDOR_RATE = "must look like '20/s', '600/min' or 'off' (a number from 0 per s, sec, second, m, min, minute, h, hour)"


@pytest.mark.parametrize("raw", ["fast", "5/fortnight", "-5/s", "5", "1000000/s", "nan/s"])
def test_bad_vendor_rates_are_refused(monkeypatch, raw):
    monkeypatch.setenv("TEST_RATE", raw)
    with _refused(f"TEST_RATE {VENDOR_RATE}, got {raw!r}"):
        env.rate("TEST_RATE", "5/s", allow_off=True)


@pytest.mark.parametrize(("raw", "per_second"), [("600/min", 10.0), ("20 / S", 20.0), ("0.5/s", 0.5),
                                                  ("off", None), ("0", None), ("0/s", None), ("7200/hour", 2.0)])
def test_vendor_rates_parse(monkeypatch, raw, per_second):
    monkeypatch.setenv("TEST_RATE", raw)
    parsed = env.rate("TEST_RATE", "5/s", allow_off=True)
    assert (parsed.per_second if parsed else None) == per_second


@pytest.mark.parametrize("raw", ["1.5/min", "0/min", "off", "300/fortnight", "300/mo", "300"])
def test_bad_whole_rates_are_refused(monkeypatch, raw):
    monkeypatch.setenv("TEST_API_RATE", raw)
    with _refused(f"TEST_API_RATE must look like '300/min' (a whole number of at least 1 per s, m, d), got {raw!r}"):
        env.rate("TEST_API_RATE", "300/min", whole=True, units={"s": 1, "m": 60, "d": 86400})


def test_a_whole_rate_keeps_the_spelling_drf_reads(monkeypatch):
    monkeypatch.setenv("TEST_API_RATE", " 1000 / D ")
    parsed = env.rate("TEST_API_RATE", "300/min", whole=True, units={"m": 60, "d": 86400})
    assert (parsed.text, parsed.count, parsed.seconds) == ("1000/d", 1000, 86400)


# --- whole numbers, decimals ---------------------------------------------------------------------
@pytest.mark.parametrize(("raw", "message"), [
    ("0", "TEST_INT must be between 1 and 100 minutes, got 0"),
    ("101", "TEST_INT must be between 1 and 100 minutes, got 101"),
    ("five", "TEST_INT must be a whole number of minutes between 1 and 100, got 'five'"),
    ("2.5", "TEST_INT must be a whole number of minutes between 1 and 100, got '2.5'"),
    ("", "TEST_INT must be a whole number of minutes between 1 and 100, got ''"),
])
def test_out_of_range_and_non_whole_numbers_are_refused(monkeypatch, raw, message):
    monkeypatch.setenv("TEST_INT", raw)
    with _refused(message):
        env.integer("TEST_INT", 5, low=1, high=100, unit="minutes")


def test_whole_numbers_with_only_a_lower_bound(monkeypatch):
    monkeypatch.setenv("TEST_INT", "-1")
    with _refused("TEST_INT must be at least 1, got -1"):
        env.integer("TEST_INT", 5, low=1)
    monkeypatch.setenv("TEST_INT", " 1000000 ")
    assert env.integer("TEST_INT", 5, low=1) == 1_000_000


@pytest.mark.parametrize(("raw", "expected"), [("off", None), ("NEVER", None), ("0", None), ("7", 7)])
def test_integer_or_off(monkeypatch, raw, expected):
    monkeypatch.setenv("TEST_DAYS", raw)
    assert env.integer_or_off("TEST_DAYS", 30, low=1, high=365, unit="days") == expected


def test_integer_or_off_refuses_the_rest(monkeypatch):
    monkeypatch.setenv("TEST_DAYS", "-3")
    with _refused("TEST_DAYS must be between 1 and 365 days (or 0/off), got -3"):
        env.integer_or_off("TEST_DAYS", 30, low=1, high=365, unit="days")
    monkeypatch.setenv("TEST_DAYS", "soon")
    with _refused("TEST_DAYS must be a whole number of days between 1 and 365 (or 0/off), got 'soon'"):
        env.integer_or_off("TEST_DAYS", 30, low=1, high=365, unit="days")


@pytest.mark.parametrize(("raw", "message"), [
    ("0", "TEST_WAIT must be more than 0 and at most 60 seconds, got 0"),
    ("61", "TEST_WAIT must be more than 0 and at most 60 seconds, got 61"),
    ("soon", "TEST_WAIT must be a number (more than 0 and at most 60 seconds), got 'soon'"),
    ("nan", "TEST_WAIT must be a number (more than 0 and at most 60 seconds), got 'nan'"),
    ("inf", "TEST_WAIT must be a number (more than 0 and at most 60 seconds), got 'inf'"),
])
def test_bad_decimals_are_refused(monkeypatch, raw, message):
    monkeypatch.setenv("TEST_WAIT", raw)
    with _refused(message):
        env.number("TEST_WAIT", 5.0, low=0, low_exclusive=True, high=60, unit="seconds")


def test_positive_decimal(monkeypatch):
    monkeypatch.setenv("TEST_TIMEOUT", "-1")
    with _refused("TEST_TIMEOUT must be positive (seconds), got -1"):
        env.number("TEST_TIMEOUT", 10.0, low=0, low_exclusive=True, unit="seconds")
    monkeypatch.setenv("TEST_TIMEOUT", "2.5")
    assert env.number("TEST_TIMEOUT", 10.0, low=0, low_exclusive=True, unit="seconds") == 2.5


# --- booleans, choices, URLs, secrets --------------------------------------------------------------
@pytest.mark.parametrize("raw", ["flase", "ture", "2", "enabled", "nein"])
def test_bool_typos_are_refused_not_read_as_false(monkeypatch, raw):
    monkeypatch.setenv("TEST_FLAG", raw)
    with _refused(f"TEST_FLAG must be true or false (also yes/no, on/off, 1/0), got {raw!r}"):
        env.boolean("TEST_FLAG", True)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("YES", True), (" on ", True), ("1", True),
                                                ("False", False), ("no", False), ("off", False), ("0", False),
                                                ("", False)])
def test_bool_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("TEST_FLAG", raw)
    assert env.boolean("TEST_FLAG", not expected) is expected


def test_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("TEST_FLAG", raising=False)
    assert env.boolean("TEST_FLAG", True) is True


def test_choice(monkeypatch):
    monkeypatch.setenv("TEST_CHOICE", "Path")
    with _refused("TEST_CHOICE must be one of auto, path, virtual, got 'Path'"):
        env.choice("TEST_CHOICE", "auto", ("auto", "path", "virtual"))


def test_url(monkeypatch):
    monkeypatch.setenv("TEST_URL", "amqp://guest@localhost//")
    with _refused("TEST_URL must be a URL starting with redis:// or rediss://, got 'amqp://guest@localhost//'"):
        env.url("TEST_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss"))
    monkeypatch.setenv("TEST_URL", "")
    assert env.url("TEST_URL", "redis://x", schemes=("redis",), allow_empty=True) == ""


def test_secret_is_required_in_production_only(monkeypatch):
    monkeypatch.setenv("TEST_SECRET", "")
    with _refused("TEST_SECRET must be set when KYC_ENV=production"):
        env.secret("TEST_SECRET", "dev", production=True)
    assert env.secret("TEST_SECRET", "dev", production=False) == "dev"
    monkeypatch.setenv("TEST_SECRET", "s3cret")
    assert env.secret("TEST_SECRET", "dev", production=True) == "s3cret"


# --- the settings stop the start (a fresh process reads the environment) ---------------------------
DELAYS_3600 = ("1 to 10 comma-separated whole seconds, each from 1 to 3600, none shorter than the one before "
               "(e.g. '5,30,120')")
DELAYS_86400 = ("1 to 20 comma-separated whole seconds, each from 1 to 86400, none shorter than the one before "
                "(e.g. '5,30,120')")
API_RATE = "like '300/min' (a whole number of at least 1 per s, sec, second, m, min, minute, h, hour, d, day)"


@pytest.mark.parametrize(("variables", "expected"), [
    ({"KYC_CHECK_RETRY_DELAYS": "5,30,x"},
     f"KYC_CHECK_RETRY_DELAYS must be {DELAYS_3600}, got '5,30,x' ('x' is not a whole number)"),
    ({"KYC_WEBHOOK_RETRY_DELAYS": "60,10"},
     f"KYC_WEBHOOK_RETRY_DELAYS must be {DELAYS_86400}, got '60,10' (a delay is shorter than the one before it)"),
    ({"KYC_API_RATE": "300/fortnight"}, f"KYC_API_RATE must look {API_RATE}, got '300/fortnight'"),
    ({"KYC_MAX_IMAGE_BYTES": "-1"}, "KYC_MAX_IMAGE_BYTES must be between 1024 and 104857600 bytes, got -1"),
    ({"CELERY_TASK_TIME_LIMIT": "2h"},
     "CELERY_TASK_TIME_LIMIT must be a whole number of seconds between 1 and 3600, got '2h'"),
    ({"KYC_AUTO_APPROVE": "flase"}, "KYC_AUTO_APPROVE must be true or false (also yes/no, on/off, 1/0), got 'flase'"),
    ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'verbose'"),
])
def test_bad_values_stop_the_start_with_the_precise_message(variables, expected):
    result = _start(**variables)
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {expected}\n" in result.stderr


def test_new_variables_reach_the_settings():
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.KYC_WEBHOOK_RETRY_DELAYS, s.KYC_CSP_REPORT_ONLY, s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
                         env=_clean_env(KYC_WEBHOOK_RETRY_DELAYS="5, 10", KYC_CSP_REPORT_ONLY="yes",
                                        KYC_API_RATE="20/s"))
    assert out.stdout.strip() == "(5, 10) True {'partner_key': '20/s'}", out.stderr


def _clean_env(**variables: str) -> dict[str, str]:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KYC_", "DATABASE_URL", "SECRET_KEY",
                                                                       "MEDIA_ENCRYPTION_KEYS"))}
    return {**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "KYC_ENV_FILE": "", **variables}


# --- every setting the code reads is declared ----------------------------------------------------
def _product_sources() -> list[Path]:
    return [p for folder in ("liveness", "kyc_portal") for p in (ROOT / folder).rglob("*.py")]


def test_the_code_reads_no_setting_through_a_getattr_default():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in _product_sources()
                 for n, line in enumerate(p.read_text().splitlines(), 1) if "getattr(settings," in line]
    assert offenders == []


def test_every_setting_the_code_reads_is_declared():
    from django.conf import settings

    read = {name for p in _product_sources() for name in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]+)", p.read_text())}
    assert len(read) > 40  # the scan finds the reads (KYC_CHECK_RETRY_DELAYS, KYC_PROVIDERS, ...)
    assert sorted(name for name in read if not hasattr(settings, name)) == []


def test_only_the_areas_upper_case_names_become_settings():
    import kyc_portal.settings as package

    assert package.KYC_ENV == "development" and package.KYC_WEBHOOK_ENDPOINTS_MAX == 10
    assert not [name for name in vars(package) if name.isupper() and name.startswith("_")]


# --- docs ------------------------------------------------------------------------------------------
def test_docs_settings_page_is_what_the_readers_declare():
    rendered = subprocess.run([sys.executable, "-m", "kyc_portal.settings.describe"], cwd=ROOT,
                              env=_clean_env(), capture_output=True, text=True, timeout=60, check=True).stdout
    assert "| `KYC_CHECK_RETRY_DELAYS` | `5,30,120` |" in rendered and "## pipeline" in rendered
    assert (ROOT / "docs" / "settings.md").read_text() == rendered, (
        "docs/settings.md is stale: python -m kyc_portal.settings.describe > docs/settings.md")


def test_webhook_retries_follow_the_setting(settings):
    from liveness.partners.webhooks import delivery as api_services

    assert api_services.retry_delays() == (10, 60, 300, 1800, 7200, 21600, 43200)
    settings.KYC_WEBHOOK_RETRY_DELAYS = (1, 2)
    assert api_services.retry_delays() == (1, 2)
