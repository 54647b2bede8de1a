"""Error tracking with sentry-sdk (Django and Celery integrations), on only when SENTRY_DSN is set.

Events leave the building, so :func:`scrub` runs on every one before it is sent: no request
bodies (media, forms), cookies, query strings or headers except a harmless few; capture-link
tokens, API keys and bearer credentials cut out of every string (``liveness.web.log_redaction``);
no local variables (``include_local_variables=False``: a frame's locals hold image bytes and
keys) and no user details (``send_default_pii`` left off).
"""
from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from liveness.web.log_redaction import redact

from . import context

logger = logging.getLogger(__name__)

#: Request headers an event may keep; every other one (Authorization, Cookie, X-Api-Key...) is dropped.
KEPT_HEADERS = frozenset({"user-agent", "content-type", "content-length", "accept", "accept-language", "x-request-id"})
_DROPPED = "[removed]"


def sentry_start() -> bool:
    """``sentry_sdk.init`` when SENTRY_DSN is set; True when it was."""
    if not settings.SENTRY_DSN:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN, environment=settings.SENTRY_ENVIRONMENT,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        include_local_variables=False, max_request_body_size="never",  # send_default_pii stays False (default)
        before_send=scrub, before_send_transaction=scrub, before_breadcrumb=_scrub_breadcrumb,
    )
    return True


def scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event with media, secrets and capture links removed, and the ids of liveness.ops.context added."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            if key in request:
                request[key] = _DROPPED
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: (v if k.lower() in KEPT_HEADERS else _DROPPED) for k, v in headers.items()}
    event.pop("user", None)
    tags = event.setdefault("tags", {})
    if isinstance(tags, dict):
        tags.update(context.current())
    return _redacted(event)


def _scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    return _redacted(crumb)


def _redacted(value: Any) -> Any:
    """Every string inside ``value`` (dicts, lists) through ``redact``; bytes dropped (they are media)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _DROPPED
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value
