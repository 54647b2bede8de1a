"""Liveness vendors: a setting names a provider, this package builds it.

Public interface for the rest of the product:

* :func:`get_provider`, :func:`provider_name_for`, :data:`REGISTRY` (name -> dotted class path)
* :mod:`liveness.vendors.base`: ``Provider``, ``ProviderResult``, ``ProviderError``, ``Score``,
  ``Media``, ``Metric``, ``Operation``, ``departure``/``depart``
* :mod:`liveness.vendors.registry`: ``SPECS`` (one ``VendorSpec`` per provider), ``THRESHOLD_DEFAULTS``
* :mod:`liveness.vendors.catalogue`: code -> explanation for reviewers (``lookup``, ``Category`` ...)

Each vendor family lives in its own folder (``youtu/``, ``tencent_cloud/``, ``senseid/``, ``local/``)
with its client, error table and spec. A dotted path to a class is also accepted as a provider
name, for deployments with their own vendor.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Operation, Provider
from .registry import SPECS

REGISTRY: dict[str, str] = {name: spec.provider_class for name, spec in SPECS.items()}


def provider_class(name: str) -> Any:
    """The class behind a provider name (or a dotted path), not built: for what it declares."""
    return import_string(REGISTRY.get(name, name))


def get_provider(name: str) -> Provider:
    return provider_class(name)(config=settings.KYC_PROVIDERS.get(name, {}))


def provider_name_for(operation: str) -> str:
    """The provider configured for an operation (KYC_SELFIE_PROVIDER / KYC_VIDEO_PROVIDER)."""
    if operation == Operation.SELFIE_LIVENESS:
        return settings.KYC_SELFIE_PROVIDER
    return settings.KYC_VIDEO_PROVIDER
