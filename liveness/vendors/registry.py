"""Every provider the portal ships, by name: one :class:`~liveness.vendors.spec.VendorSpec` each.

The single place that lists them. ``kyc_portal/settings.py`` builds ``KNOWN_PROVIDERS``,
``KYC_PROVIDERS`` (:func:`provider_settings`), the rate-limit and queue defaults from it;
:func:`liveness.vendors.get_provider` builds providers from it; ``liveness/thresholds.py`` takes its
:data:`THRESHOLD_DEFAULTS`. Importing this module reads no Django settings and loads no vendor SDK.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .local.spec import SPEC as LOCAL
from .senseid.spec import SPEC as SENSEID
from .spec import SettingError, ThresholdDefault, VendorSpec
from .tencent_cloud.spec import FACEID_SPEC as TENCENT_FACEID
from .tencent_cloud.spec import IAI_SPEC as TENCENT_IAI
from .youtu.spec import SPEC as YOUTU_LEGACY

__all__ = ["SPECS", "THRESHOLD_DEFAULTS", "SettingError", "ThresholdDefault", "VendorSpec", "get_spec",
           "provider_settings", "spec_for_family"]

#: provider name -> spec, in the order the README lists them.
SPECS: dict[str, VendorSpec] = {s.name: s for s in (LOCAL, YOUTU_LEGACY, TENCENT_IAI, TENCENT_FACEID, SENSEID)}

#: (provider, metric) -> the starting threshold (before KYC_THRESHOLD_<PROVIDER>_<METRIC>).
THRESHOLD_DEFAULTS: dict[tuple[str, str], ThresholdDefault] = {
    (spec.name, metric): default for spec in SPECS.values() for metric, default in spec.thresholds.items()
}


def get_spec(name: str) -> VendorSpec | None:
    """The spec of a shipped provider; None for a dotted-path custom provider."""
    return SPECS.get(name)


def spec_for_family(family: str) -> list[VendorSpec]:
    """The providers whose failures are coded in ``family``'s error table."""
    return [spec for spec in SPECS.values() if spec.family == family]


def provider_settings(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """``settings.KYC_PROVIDERS``: each provider's environment settings, read and checked.

    Raises :class:`SettingError` (a ValueError naming the variable); settings turn it into
    ImproperlyConfigured so a bad value stops the process at start.
    """
    return {name: spec.read_settings(environ) for name, spec in SPECS.items()}
