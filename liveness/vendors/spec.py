"""What the portal knows about one provider, in one place: :class:`VendorSpec`.

Each vendor folder declares its spec(s) in ``<family>/spec.py`` (pure data: no SDK, no HTTP
library, no Django settings access, so ``kyc_portal/settings.py`` can read them at start):

* ``settings``: every key of ``settings.KYC_PROVIDERS[<name>]`` that has an environment variable,
  with its default and its check (:class:`EnvSetting`); ``code_defaults``: keys the provider reads
  that have no variable (yet). The provider class fills a missing key from these and nothing else.
* ``rate_limit`` and ``queue``: the defaults of ``KYC_RATE_LIMIT_<NAME>`` / ``KYC_CHECK_QUEUE_<NAME>``.
* ``thresholds`` and ``score_scale``: the starting threshold per metric on the vendor's own scale.
* ``errors``: the family's :class:`~liveness.vendors.errors.ErrorTable`; :meth:`VendorSpec.is_transient`
  is the rule the provider applies to every failure code of that family.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ErrorTable


class SettingError(ValueError):
    """An environment value a :class:`VendorSpec` refuses; the message names the variable."""


@dataclass(frozen=True)
class ThresholdDefault:
    """The starting threshold of one provider metric, where the number comes from, and what it means."""

    value: float
    scale: float
    source: str
    alternatives: tuple[str, ...] = ()
    far_table: dict[float, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EnvSetting:
    """One ``KYC_PROVIDERS[<provider>][key]`` read from the environment variable ``env``.

    ``kind`` parses the text (``str``, ``int`` or ``float``); ``check`` returns a message when the
    parsed value is unusable (the message names the variable, e.g. "YOUTU_TIMEOUT must be positive").
    """

    key: str
    env: str
    default: Any
    kind: type = str
    check: Callable[[Any], str | None] | None = None

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.env)
        if raw is None:
            return self.default
        try:
            value = self.kind(raw)
        except ValueError:
            raise SettingError(f"{self.env} must be {'a number' if self.kind is not str else 'text'}, got {raw!r}") from None
        problem = self.check(value) if self.check else None
        if problem:
            raise SettingError(problem)
        return value


def positive(env: str) -> Callable[[Any], str | None]:
    """A check: the value must be above zero."""
    return lambda value: None if value > 0 else f"{env} must be positive, got {value!r}"


def one_of(env: str, choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    """A check: the value must be one of ``choices``."""
    shown = " or ".join(repr(c) for c in choices)
    return lambda value: None if value in choices else f"{env} must be {shown}"


@dataclass(frozen=True)
class VendorSpec:
    """One provider (``name`` as in ``KYC_SELFIE_PROVIDER``); see the module docstring."""

    name: str
    family: str  # the error-table family (``ProviderResult.vendor``): several providers may share one
    provider_class: str  # dotted path of the class behind liveness.vendors.base.Provider
    operations: frozenset[str]
    errors: ErrorTable
    rate_limit: str  # "20/s" | "600/min" | "off"
    queue: str  # "engine" | "vendor"
    score_scale: float
    thresholds: Mapping[str, ThresholdDefault] = field(default_factory=dict)
    settings: tuple[EnvSetting, ...] = ()
    code_defaults: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[Callable[[dict[str, Any]], str | None], ...] = ()  # across keys of the read settings

    def is_transient(self, code: str | int | None) -> bool:
        """Whether a failure with this family code may succeed on another attempt (the family's rule)."""
        return self.errors.is_transient(code)

    def defaults(self) -> dict[str, Any]:
        """Every key the provider reads, with its default (environment defaults, then code-only ones)."""
        return {**{s.key: s.default for s in self.settings}, **self.code_defaults}

    def with_defaults(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """``config`` with every missing, None or empty key filled from :meth:`defaults`."""
        merged = dict(config)
        for key, default in self.defaults().items():
            if merged.get(key) is None or merged.get(key) == "":
                merged[key] = default
        return merged

    def read_settings(self, environ: Mapping[str, str]) -> dict[str, Any]:
        """``KYC_PROVIDERS[name]`` from the environment; raises :class:`SettingError`."""
        config = {s.key: s.read(environ) for s in self.settings}
        for check in self.checks:
            problem = check(config)
            if problem:
                raise SettingError(problem)
        return config
