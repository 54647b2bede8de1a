"""Content-Security-Policy header for every HTML page that does not set its own.

Enable with ``"liveness.web.csp.ContentSecurityPolicyMiddleware"`` in MIDDLEWARE (right
after SecurityMiddleware). Responses that already carry a policy keep it (the dashboard's
media view sends the stricter ``default-src 'none'; sandbox``). ``settings.KYC_CSP`` (a dict
directive -> list of sources) replaces the default policy; ``settings.KYC_CSP_REPORT_ONLY = True``
sends it as ``Content-Security-Policy-Report-Only`` to try a change first.

The default policy allows only this origin. Two exceptions, both deliberate:

* ``templates/capture/_lang.html`` has one inline handler, ``onchange="this.form.submit()"``:
  it is allowed by its hash ('unsafe-hashes' + sha256), nothing else inline runs;
* style attributes (score bars in the dashboard) need ``style-src 'unsafe-inline'``, which
  cannot run script.

The interactive API docs (``/api/docs/``, Swagger UI from drf-spectacular) start with an
inline script that has no user content; that path alone gets ``script-src 'unsafe-inline'``.
"""
from __future__ import annotations

import base64
import hashlib

from django.conf import settings


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


LANGUAGE_SELECT_HANDLER = "this.form.submit()"

DEFAULT_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-hashes'", _hash(LANGUAGE_SELECT_HANDLER)],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Path prefix -> extra sources per directive.
RELAXED_PATHS: dict[str, dict[str, list[str]]] = {
    "/api/docs/": {"script-src": ["'unsafe-inline'"]},
}


def policy_for(path: str) -> str:
    policy = {k: list(v) for k, v in (settings.KYC_CSP or DEFAULT_POLICY).items()}
    for prefix, extra in RELAXED_PATHS.items():
        if path.startswith(prefix):
            for directive, sources in extra.items():
                policy[directive] = [s for s in policy.get(directive, ["'self'"]) if s != "'unsafe-hashes'"
                                     and not s.startswith("'sha256-")] + sources
    return "; ".join(f"{directive} {' '.join(sources)}".strip() for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = ("Content-Security-Policy-Report-Only" if settings.KYC_CSP_REPORT_ONLY
                  else "Content-Security-Policy")
        if "Content-Security-Policy" not in response and header not in response:
            response[header] = policy_for(request.path)
        return response
