"""How large an upload may be: the portal's limit, lowered to what the configured vendor takes.

A 10 MB video was accepted and then refused by YouTu (6 MB per request) into manual review; the
person had long left. A provider may declare ``max_video_bytes`` and ``max_image_bytes`` (ints,
bytes of one uploaded file); the upload limit is the smaller of that and ``KYC_MAX_VIDEO_BYTES`` /
``KYC_MAX_IMAGE_BYTES``. The limits are class attributes, read from the provider's class through
the registry (``provider_class``): no provider is built on the upload path, and no vendor module is
imported here.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from liveness.vendors import provider_class, provider_name_for
from liveness.vendors.base import Operation


@dataclass(frozen=True)
class UploadLimits:
    """Largest accepted file, in bytes, of each kind for one operation and provider."""

    image_bytes: int
    video_bytes: int


def upload_limits_for(*, operation: str, provider_name: str | None = None) -> UploadLimits:
    """The limits for ``operation`` with ``provider_name`` (default: the configured provider)."""
    provider = provider_class(provider_name or provider_name_for(operation))
    return UploadLimits(
        image_bytes=_lower(settings.KYC_MAX_IMAGE_BYTES, getattr(provider, "max_image_bytes", None)),
        video_bytes=_lower(settings.KYC_MAX_VIDEO_BYTES, getattr(provider, "max_video_bytes", None)),
    )


def operation_of(case_kind: str) -> str:
    """The provider operation a case of ``case_kind`` submits to."""
    from .models import CaseKind

    return Operation.SELFIE_LIVENESS if case_kind == CaseKind.SELFIE else Operation.DIGIT_VIDEO


def _lower(portal_limit: int, declared: object) -> int:
    """``declared`` when it is a positive whole number under the portal's limit, else the portal's."""
    if isinstance(declared, bool) or not isinstance(declared, int) or declared <= 0:
        return portal_limit
    return min(portal_limit, declared)
