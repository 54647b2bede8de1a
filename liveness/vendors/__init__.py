"""Provider registry: a setting names a provider, this module builds it.

Each provider module is one vendor behind :class:`liveness.vendors.base.Provider`.
A dotted path to a class is also accepted, for deployments with their own vendor.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Operation, Provider

REGISTRY: dict[str, str] = {
    "local": "liveness.vendors.local.adapter.LocalProvider",
    "youtu_legacy": "liveness.vendors.youtu.client.YoutuLegacyProvider",
    "tencent_iai": "liveness.vendors.tencent_cloud.iai.TencentIaiProvider",
    "tencent_faceid": "liveness.vendors.tencent_cloud.faceid.TencentFaceidProvider",
    "senseid": "liveness.vendors.senseid.client.SenseidProvider",
}


def get_provider(name: str) -> Provider:
    cls = import_string(REGISTRY.get(name, name))
    return cls(config=settings.KYC_PROVIDERS.get(name, {}))


def provider_name_for(operation: str) -> str:
    """The provider configured for an operation (KYC_SELFIE_PROVIDER / KYC_VIDEO_PROVIDER)."""
    if operation == Operation.SELFIE_LIVENESS:
        return settings.KYC_SELFIE_PROVIDER
    return settings.KYC_VIDEO_PROVIDER
