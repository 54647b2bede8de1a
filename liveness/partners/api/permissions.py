"""Who may call the partner API, and how often."""
from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.throttling import SimpleRateThrottle

from liveness.partners.models import PartnerApiKey
from liveness.web.shared_cache import counters


class IsPartnerKey(BasePermission):
    """Only requests authenticated with a partner API key (never a reviewer's session)."""

    message = "This API needs a partner API key: 'Authorization: Bearer kyc_live_...'."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, PartnerApiKey)


class PartnerKeyThrottle(SimpleRateThrottle):
    """Requests per API key (rate ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["partner_key"]``).

    Counted in the default cache, so every web process must share it (Redis) for
    the limit to hold across processes. A 429 carries ``Retry-After`` in seconds. While that cache
    is unreachable the count goes on per process (``liveness.web.shared_cache``), never a 500.
    """

    scope = "partner_key"
    cache = counters

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, PartnerApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
