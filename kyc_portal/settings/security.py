"""Web security: the secret key, hosts, cookies, HTTPS and HSTS, the content security policy, and
which client address a request comes from."""
from __future__ import annotations

from .base import PRODUCTION
from .env import boolean, integer, secret, words

SECRET_KEY = secret("SECRET_KEY", "dev-insecure-secret-key-change-me", production=PRODUCTION,
                    doc="Django's secret (sessions, CSRF, capture links)")
ALLOWED_HOSTS = words("ALLOWED_HOSTS", [] if PRODUCTION else ["*"], allowed="comma-separated host names",
                      doc="host names the portal answers (default: any outside production, none in production)")
CSRF_TRUSTED_ORIGINS = words("CSRF_TRUSTED_ORIGINS", [], allowed="comma-separated origins (https://host)",
                             doc="origins allowed to POST across hosts")
# A CSRF refusal on the capture JSON endpoints is answered in JSON (the page shows its message); Django's
# 403 page everywhere else. The check itself is Django's CsrfViewMiddleware, unchanged.
CSRF_FAILURE_VIEW = "liveness.capture.views.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS is enforced in production only (a laptop serves plain http); Django's own defaults elsewhere.
_ssl_redirect = boolean("SECURE_SSL_REDIRECT", True, doc="production only: redirect http to https")
_hsts_seconds = integer("SECURE_HSTS_SECONDS", 31536000, low=0, high=2 * 31536000, unit="seconds",
                        doc="production only: Strict-Transport-Security max-age")
SECURE_SSL_REDIRECT = PRODUCTION and _ssl_redirect
SECURE_HSTS_SECONDS = _hsts_seconds if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None

# Content-Security-Policy (liveness/web/csp.py): a dict directive -> list of sources replaces
# the policy; None keeps liveness.web.csp.DEFAULT_POLICY (which the code, not settings, owns:
# it carries the hashes of the pages' inline handlers).
KYC_CSP: dict[str, list[str]] | None = None
KYC_CSP_REPORT_ONLY = boolean("KYC_CSP_REPORT_ONLY", False,
                              doc="send the policy as Content-Security-Policy-Report-Only (try a change first)")

# Reverse proxies in front of the web process that append to X-Forwarded-For (0 = none: the
# client is REMOTE_ADDR). Must match the deployment exactly: see liveness/web/client_ip.py.
KYC_TRUSTED_PROXY_COUNT = integer("KYC_TRUSTED_PROXY_COUNT", 0, low=0, high=10,
                                  doc="proxies appending to X-Forwarded-For in front of the web process")
