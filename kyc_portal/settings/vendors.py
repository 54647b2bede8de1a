"""Liveness vendors: which provider judges selfies and videos, threshold overrides, and each
vendor's settings and default call rate, which its own spec declares
(``liveness/vendors/<family>/spec.py``, gathered in ``liveness.vendors.registry``).
"""
from __future__ import annotations

import os

from liveness.vendors.registry import SPECS as _VENDOR_SPECS
from liveness.vendors.registry import SettingError as _VendorSettingError
from liveness.vendors.registry import provider_settings as _provider_settings

from .env import declare, fail, names_with_prefix, number, require, string

KNOWN_PROVIDERS = tuple(_VENDOR_SPECS)
_PROVIDER_DOC = "a provider name or a dotted path to a provider class"
KYC_SELFIE_PROVIDER = string("KYC_SELFIE_PROVIDER", "local", allowed=", ".join(KNOWN_PROVIDERS) + " or a dotted path",
                             doc="who judges selfies: " + _PROVIDER_DOC)
KYC_VIDEO_PROVIDER = string("KYC_VIDEO_PROVIDER", "local", allowed=", ".join(KNOWN_PROVIDERS) + " or a dotted path",
                            doc="who judges digit videos: " + _PROVIDER_DOC)
for _var, _value in (("KYC_SELFIE_PROVIDER", KYC_SELFIE_PROVIDER), ("KYC_VIDEO_PROVIDER", KYC_VIDEO_PROVIDER)):
    # A dotted path ("package.module.Class") is accepted for custom providers.
    require(_value in KNOWN_PROVIDERS or "." in _value,
            f"{_var}={_value!r} is not a liveness provider; choose one of {', '.join(KNOWN_PROVIDERS)} "
            f"or give a dotted path to a provider class")


# Each provider's settings (KYC_PROVIDERS[<name>]) are read and checked by its spec; listed here for docs.
for _spec in _VENDOR_SPECS.values():
    for _setting in _spec.settings:
        declare(_setting.env, default=str(_setting.default), allowed=_setting.kind.__name__,
                doc=f"{_spec.name}: {_setting.key} (liveness/vendors/{_spec.family}/spec.py)")
try:
    KYC_PROVIDERS: dict[str, dict] = _provider_settings(os.environ)
except _VendorSettingError as _exc:
    fail(str(_exc))

# Threshold overrides: KYC_THRESHOLD_<PROVIDER>_<METRIC>=value (vendor's own scale).
# They seed version 1 of a ThresholdPolicy; later versions are edited by compliance.
_THRESHOLD_FAMILY = f"KYC_THRESHOLD_<{'|'.join(p.upper() for p in KNOWN_PROVIDERS)}>_<LIVENESS|SIMILARITY>"
declare("KYC_THRESHOLD_<PROVIDER>_<LIVENESS|SIMILARITY>", default="liveness/checks/thresholds.py",
        allowed="a number on the vendor's own scale",
        doc="seeds version 1 of the threshold policy, e.g. KYC_THRESHOLD_YOUTU_LEGACY_LIVENESS=90")
KYC_THRESHOLD_OVERRIDES: dict[tuple[str, str], float] = {}
for _key in names_with_prefix("KYC_THRESHOLD_"):
    _provider, _, _metric = _key[len("KYC_THRESHOLD_"):].lower().rpartition("_")
    if _provider not in KNOWN_PROVIDERS or _metric not in {"liveness", "similarity"}:
        fail(f"{_key}: expected {_THRESHOLD_FAMILY}")
    KYC_THRESHOLD_OVERRIDES[(_provider, _metric)] = number(_key, 0.0)

# Each vendor's default call rate (KYC_RATE_LIMIT_<PROVIDER>, read in pipeline.py): the vendor's
# documented default quota for the API a check calls (sources in each spec and docs/scaling.md).
vendor_rate_limit_defaults = {name: spec.rate_limit for name, spec in _VENDOR_SPECS.items()}
#: Each provider's default queue (KYC_CHECK_QUEUE_<PROVIDER>, read in pipeline.py).
vendor_queue_defaults = {name: spec.queue for name, spec in _VENDOR_SPECS.items()}
