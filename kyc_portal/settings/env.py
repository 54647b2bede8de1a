"""Typed readers of environment variables: the one way settings read and validate the environment.

Every reader takes the variable's name and its default, returns a typed value, and raises
``ImproperlyConfigured`` at import time when the variable holds something it cannot use. The
message always names the variable, quotes the bad value and says what is allowed, so a bad
deployment stops at start with a line an operator can act on, never later in a request.

Raw text comes from django-environ (``Env.str``: a ``.env`` file loaded by ``load_env_file`` and
``$OTHER_VARIABLE`` proxies behave as they always did); parsing and validation are ours, because
django-environ's own casts accept typos (``bool("flase")`` is False) and raise bare ``ValueError``.

Each reader also records the variable in ``DECLARED`` (name, default, what is allowed, the
settings module that read it, a one-line meaning): ``python -m kyc_portal.settings.describe``
prints docs/settings.md from it.
"""
from __future__ import annotations

import itertools
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import environ
from django.core.exceptions import ImproperlyConfigured

# The project root (manage.py's folder): kyc_portal/settings/env.py -> three levels up.
BASE_DIR = Path(__file__).resolve().parents[2]

_ENV = environ.Env()
_MISSING = "\x00unset"  # a default no environment value can equal: tells "unset" from ""

BOOL_TRUE = ("true", "on", "ok", "y", "yes", "1")  # django-environ's true strings, kept
BOOL_FALSE = ("false", "off", "no", "n", "0", "")  # "" stays false, as django-environ read it

# Units a rate may be counted in, in seconds ("20/s", "600/min", "5/hour").
RATE_UNITS: Mapping[str, int] = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60,
                                 "h": 3600, "hour": 3600}
RATE_OFF = ("off", "0", "none")


@dataclass(frozen=True)
class Declared:
    """One environment variable a settings module reads (for docs/settings.md)."""

    name: str
    default: str
    allowed: str
    area: str
    doc: str


DECLARED: dict[str, Declared] = {}


@dataclass(frozen=True)
class Rate:
    """``count`` events per ``seconds``; ``text`` is the normalised spelling ("300/min")."""

    count: float
    seconds: int
    text: str

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


def load_env_file() -> None:
    """Load ``KYC_ENV_FILE`` (default: ``.env`` beside manage.py) without overriding the real
    environment; ``KYC_ENV_FILE=""`` reads no file (tests of the settings themselves use that)."""
    path = environ.Env().str("KYC_ENV_FILE", default=str(BASE_DIR / ".env"))
    if path:
        environ.Env.read_env(path, overwrite=False)


def fail(message: str) -> NoReturn:
    """Stop the start with ``message`` (for checks that involve more than one variable)."""
    raise ImproperlyConfigured(message)


def require(condition: bool, message: str) -> None:
    """``fail(message)`` unless ``condition`` holds."""
    if not condition:
        fail(message)


def names_with_prefix(prefix: str) -> list[str]:
    """Names of the variables set in the environment that start with ``prefix`` (sorted), for
    families such as ``KYC_RATE_LIMIT_<PROVIDER>`` whose members are found, not listed."""
    return sorted(name for name in os.environ if name.startswith(prefix))


def peek(name: str) -> str | None:
    """The variable's raw text (None when unset) without declaring it: for names that must NOT be
    set (``KYC_RETENTION_DAYS_PROCESSING``) and so are no setting."""
    return _raw(name)


# --- the readers --------------------------------------------------------------------------------

def string(name: str, default: str, *, doc: str = "", allowed: str = "text") -> str:
    """Any text (no validation); ``default`` when unset."""
    _declare(name, default, allowed, doc)
    raw = _raw(name)
    return default if raw is None else raw


def choice(name: str, default: str, choices: Sequence[str], *, doc: str = "") -> str:
    """One of ``choices`` exactly (case-sensitive, as the code compares it)."""
    _declare(name, default, "one of " + ", ".join(choices), doc)
    raw = _raw(name)
    value = default if raw is None else raw
    if value not in choices:
        fail(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def boolean(name: str, default: bool, *, doc: str = "") -> bool:
    """``true/false``, ``yes/no``, ``on/off``, ``1/0`` (any case); anything else is refused rather
    than read as false, so ``KYC_STAFF_2FA=flase`` stops the start instead of turning 2FA off."""
    _declare(name, "true" if default else "false", "true or false (yes/no, on/off, 1/0)", doc)
    raw = _raw(name)
    if raw is None:
        return default
    text = raw.strip().lower()
    if text in BOOL_TRUE:
        return True
    if text in BOOL_FALSE:
        return False
    fail(f"{name} must be true or false (also yes/no, on/off, 1/0), got {raw!r}")


def integer(name: str, default: int, *, low: int, high: int | None = None, unit: str = "",
            doc: str = "") -> int:
    """A whole number from ``low`` to ``high`` (inclusive; no upper bound when ``high`` is None)."""
    allowed = _range_text(low, high, unit=unit)
    _declare(name, str(default), allowed, doc)
    raw = _raw(name)
    if raw is None:
        return default
    value = _parse_int(raw)
    if value is None:
        fail(f"{name} must be a whole number{_of(unit)} {_range_text(low, high)}, got {raw!r}")
    if value < low or (high is not None and value > high):
        fail(f"{name} must be {allowed}, got {value}")
    return value


def integer_or_off(name: str, default: int | None, *, low: int, high: int, unit: str = "",
                   doc: str = "") -> int | None:
    """Like ``integer``, or None when the variable says ``0``, ``off`` or ``never``."""
    allowed = f"{_range_text(low, high, unit=unit)} (or 0/off)"
    _declare(name, "off" if default is None else str(default), allowed, doc)
    raw = _raw(name)
    if raw is None:
        return default
    text = raw.strip().lower()
    if text in {"0", "off", "never"}:
        return None
    value = _parse_int(text)
    if value is None:
        fail(f"{name} must be a whole number{_of(unit)} {_range_text(low, high)} (or 0/off), got {raw!r}")
    if not low <= value <= high:
        fail(f"{name} must be {allowed}, got {value}")
    return value


def number(name: str, default: float, *, low: float | None = None, high: float | None = None,
           low_exclusive: bool = False, unit: str = "", doc: str = "") -> float:
    """A finite decimal number within the bounds (``low`` excluded when ``low_exclusive``)."""
    allowed = _number_range_text(low, high, low_exclusive, unit)
    _declare(name, f"{default:g}", allowed, doc)
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        fail(f"{name} must be a number" + (f" ({allowed})" if allowed != "a number" else "") + f", got {raw!r}")
    too_low = low is not None and (value <= low if low_exclusive else value < low)
    if too_low or (high is not None and value > high):
        fail(f"{name} must be {allowed}, got {value:g}")
    return value


def url(name: str, default: str, *, schemes: Sequence[str], what: str = "", allow_empty: bool = False,
        doc: str = "") -> str:
    """A URL whose scheme is one of ``schemes`` (``what`` words the allowed form in the message);
    the empty string too when ``allow_empty``."""
    allowed = what or "a URL starting with " + " or ".join(f"{s}://" for s in schemes)
    _declare(name, default, allowed + (" (or empty)" if allow_empty else ""), doc)
    raw = _raw(name)
    value = default if raw is None else raw
    if value == "" and allow_empty:
        return value
    if not value.startswith(tuple(f"{s}://" for s in schemes)):
        fail(f"{name} must be {allowed}, got {value!r}")
    return value


def delays(name: str, default: Sequence[int], *, high: int, max_items: int = 10, doc: str = "") -> tuple[int, ...]:
    """A retry schedule: comma-separated whole seconds, 1 to ``max_items`` of them, each from 1 to
    ``high``, none shorter than the one before ("5,30,120"; "1,1" is fine). Empty is refused: a
    schedule with no retries would turn every transient vendor error into a failed check."""
    allowed = (f"1 to {max_items} comma-separated whole seconds, each from 1 to {high}, "
               f"none shorter than the one before (e.g. '5,30,120')")
    _declare(name, ",".join(str(d) for d in default), allowed, doc)
    raw = _raw(name)
    if raw is None:
        return tuple(default)
    items = [part.strip() for part in raw.split(",")]
    values = [_parse_int(item) for item in items]
    problem = ""
    if raw.strip() == "":
        problem = "it is empty"
    elif len(items) > max_items:
        problem = f"it has {len(items)} delays"
    elif any(v is None for v in values):
        problem = "'" + next(i for i, v in zip(items, values) if v is None) + "' is not a whole number"
    elif any(not 1 <= v <= high for v in values):
        problem = f"{next(v for v in values if not 1 <= v <= high)} is out of range"
    elif any(b < a for a, b in itertools.pairwise(values)):
        problem = "a delay is shorter than the one before it"
    if problem:
        fail(f"{name} must be {allowed}, got {raw!r} ({problem})")
    return tuple(values)


def rate(name: str, default: str, *, allow_off: bool = False, whole: bool = False,
         units: Mapping[str, int] = RATE_UNITS, doc: str = "") -> Rate | None:
    """A rate "<count>/<unit>" ("20/s", "600/min"; spaces and case ignored) with a count from 0
    below a million (a whole count of at least 1 when ``whole``); None for ``off``/``0``/``none``
    (and a zero count) when ``allow_off``."""
    unit_names = ", ".join(dict.fromkeys(units))
    example = "'20/s', '600/min' or 'off'" if allow_off else "'300/min'"
    allowed = ("a whole number of at least 1" if whole else "a number from 0" if allow_off else "a positive number"
               ) + f" per {unit_names}"
    _declare(name, default, f"like {example}: {allowed}", doc)
    raw = _raw(name)
    text = (default if raw is None else raw).strip().lower().replace(" ", "")
    if allow_off and text in RATE_OFF:
        return None
    count_text, _, unit = text.partition("/")
    count = _parse_int(count_text) if whole else _parse_float(count_text)
    smallest_ok = count is not None and (count >= 1 if whole else count >= 0 if allow_off else count > 0)
    valid = smallest_ok and unit in units and count < 1e6
    if not valid:
        fail(f"{name} must look like {example} ({allowed}), got {raw if raw is not None else default!r}")
    if count == 0:
        return None  # "0/s" is off (only reachable with allow_off)
    return Rate(count=count, seconds=units[unit], text=f"{count_text}/{unit}")


def secret(name: str, dev_default: str, *, production: bool, doc: str = "") -> str:
    """Text that must be set (non-empty) in production; ``dev_default`` stands in elsewhere."""
    _declare(name, "(development value)", "required when KYC_ENV=production", doc)
    value = _raw(name) or ""
    if value:
        return value
    if production:
        fail(f"{name} must be set when KYC_ENV=production")
    return dev_default


def words(name: str, default: Sequence[str], *, doc: str = "", allowed: str = "comma-separated list") -> list[str]:
    """A comma-separated list; items are stripped and empty ones dropped ("a.com, b.com,")."""
    _declare(name, ",".join(default) or "(empty)", allowed, doc)
    raw = _raw(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_url(name: str, default: str, *, engines: Mapping[str, str], doc: str = "") -> dict:
    """A database URL parsed by django-environ into Django's DATABASES entry; its engine must be
    one of ``engines`` (engine path -> the URL form named in the message, "SQLite (sqlite:///...)")."""
    forms = " or ".join(engines.values())
    _declare(name, default, f"a URL of {forms}", doc)
    try:
        config = _ENV.db_url(name, default=default)
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        fail(f"{name} is not a usable database URL: {exc}")
    engine = config.get("ENGINE", "")
    if engine not in engines:
        fail(f"{name} must point at {forms}, got engine {engine or 'unknown'!r}")
    return config


def cache_url(name: str, default: str, *, doc: str = "") -> dict:
    """A cache URL parsed by django-environ into Django's CACHES entry."""
    _declare(name, default, "a cache URL (redis://host:6379/1, locmemcache://)", doc)
    try:
        return _ENV.cache_url(name, default=default)
    except (ImproperlyConfigured, KeyError, ValueError) as exc:
        fail(f"{name} is not a usable cache URL (redis://host:6379/1, locmemcache://), got {_raw(name)!r}: {exc}")


def declare(name: str, *, default: str, allowed: str, doc: str = "") -> None:
    """Record a variable (or a family, "KYC_THRESHOLD_<PROVIDER>_<METRIC>") read by other means
    (a prefix scan, boto3) so the docs list it too."""
    _declare(name, default, allowed, doc)


# --- helpers ------------------------------------------------------------------------------------

def _raw(name: str) -> str | None:
    """The variable's text through django-environ (``$OTHER`` proxies resolved), None if unset."""
    value = _ENV.str(name, default=_MISSING)
    return None if value == _MISSING else value


def _parse_int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _parse_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _of(unit: str) -> str:
    return f" of {unit}" if unit else ""


def _range_text(low: int, high: int | None, *, unit: str = "") -> str:
    suffix = f" {unit}" if unit else ""
    return f"at least {low}{suffix}" if high is None else f"between {low} and {high}{suffix}"


def _number_range_text(low: float | None, high: float | None, low_exclusive: bool, unit: str) -> str:
    suffix = f" {unit}" if unit else ""
    if low is None and high is None:
        return "a number"
    if low is None:
        return f"at most {high:g}{suffix}"
    if high is None:
        return f"positive{f' ({unit})' if unit else ''}" if (low == 0 and low_exclusive) else f"{'more than' if low_exclusive else 'at least'} {low:g}{suffix}"
    if low_exclusive:
        return f"more than {low:g} and at most {high:g}{suffix}"
    return f"between {low:g} and {high:g}{suffix}"


def _declare(name: str, default: str, allowed: str, doc: str) -> None:
    """Record the variable for the docs, under the settings module that reads it."""
    DECLARED[name] = Declared(name=name, default=default, allowed=allowed, area=_caller_area(), doc=doc)


def _caller_area() -> str:
    """The ``kyc_portal.settings.<area>`` module whose code called a reader ("" if none)."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("kyc_portal.settings.") and module != __name__:
            return module.rsplit(".", 1)[1]
        frame = frame.f_back
    return ""
