"""The partner API (keys, throttling, schema) and webhooks to partners."""
from __future__ import annotations

from .base import PRODUCTION
from .env import boolean, delays, integer, number, rate, require

# A client address that sent this many invalid API keys within the window gets 429 for every
# request until the window (counted from its first invalid key) ends.
KYC_API_KEY_FAILURE_LIMIT = integer("KYC_API_KEY_FAILURE_LIMIT", 20, low=1,
                                    doc="invalid API keys from one address within the window before it gets 429")
KYC_API_KEY_FAILURE_WINDOW = integer("KYC_API_KEY_FAILURE_WINDOW", 600, low=1, high=86400, unit="seconds",
                                     doc="the window of KYC_API_KEY_FAILURE_LIMIT, from the first invalid key")
# Requests per API key (liveness.partners.api.permissions.PartnerKeyThrottle), counted in the default cache;
# a 429 carries Retry-After. Parsed by DRF, which reads the first letter of the unit (s, m, h, d).
_API_RATE_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
                   "d": 86400, "day": 86400}
_api_rate = rate("KYC_API_RATE", "300/min", whole=True, units=_API_RATE_UNITS,
                 doc="requests per API key (429 with Retry-After above it)")
assert _api_rate is not None  # a whole count of at least 1 is never "off"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"partner_key": _api_rate.text},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KYC liveness partner API",
    "VERSION": "1.0.0",
    # 3.1 for its `webhooks`. Partners read only this document: descriptions are written for them in
    # extend_schema (docstrings are for developers and never published); the introduction and the
    # webhooks' payloads and headers come from liveness/partners/api/openapi.py (import strings:
    # nothing is imported at settings time).
    "OAS_VERSION": "3.1.0",
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "WEBHOOKS": "liveness.partners.api.openapi.WEBHOOKS",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "liveness.partners.api.openapi.postprocess"],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page loads Swagger UI from this server (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Webhook URLs (liveness/partners/webhooks/guard.py): public addresses only unless ALLOW_PRIVATE (default
# on in development and tests, whose receivers listen on 127.0.0.1); https only if REQUIRE_HTTPS.
KYC_WEBHOOK_ALLOW_PRIVATE = boolean("KYC_WEBHOOK_ALLOW_PRIVATE", not PRODUCTION,
                                    doc="allow webhook URLs on private addresses (no SSRF guard); default on "
                                        "outside production")
KYC_WEBHOOK_REQUIRE_HTTPS = boolean("KYC_WEBHOOK_REQUIRE_HTTPS", PRODUCTION,
                                    doc="refuse http:// webhook URLs; default on in production")
# Seconds a partner's webhook endpoint has to answer one delivery (connect and each read).
KYC_WEBHOOK_TIMEOUT = number("KYC_WEBHOOK_TIMEOUT", 5.0, low=0, low_exclusive=True, high=60, unit="seconds",
                             doc="seconds a partner's endpoint has to answer one delivery")
# Active webhook endpoints one partner may have: every event goes to each, so this bounds the fan-out
# of one case move (and what one leaked key can add).
KYC_WEBHOOK_ENDPOINTS_MAX = integer("KYC_WEBHOOK_ENDPOINTS_MAX", 10, low=1, high=100,
                                    doc="active webhook endpoints one partner may have")
# A failed delivery is tried again after each of these delays, then marked failed (about 20.6 h in all).
KYC_WEBHOOK_RETRY_DELAYS = delays("KYC_WEBHOOK_RETRY_DELAYS", (10, 60, 300, 1800, 7200, 21600, 43200),
                                  high=86400, max_items=20,
                                  doc="seconds between delivery attempts to a partner's endpoint")
# A delivery attempt in flight longer than this lost its worker: its attempt is marked abandoned and
# the delivery claimed again (liveness.jobs). Must exceed KYC_WEBHOOK_TIMEOUT.
KYC_WEBHOOK_STALE_AFTER = integer("KYC_WEBHOOK_STALE_AFTER", 60, low=10, high=3600, unit="seconds",
                                  doc="seconds after which a delivery attempt in flight is taken as lost")
require(KYC_WEBHOOK_STALE_AFTER > KYC_WEBHOOK_TIMEOUT,
        f"KYC_WEBHOOK_STALE_AFTER ({KYC_WEBHOOK_STALE_AFTER} s) must be longer than KYC_WEBHOOK_TIMEOUT "
        f"({KYC_WEBHOOK_TIMEOUT:g} s): an attempt still waiting for its answer would be claimed twice")
