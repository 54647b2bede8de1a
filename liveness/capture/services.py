"""Use cases of the public capture pages that are not the case pipeline's own (``liveness.cases.services``).

Same rules: keyword-only ``<entity>_<action>`` functions, an ``AuditEvent`` for every change.
"""
from __future__ import annotations

import logging
from dataclasses import astuple

from django.conf import settings

from liveness.cases.audit import audit_record
from liveness.cases.models import Case
from liveness.cases.services import case_open
from liveness.web.attempt_window import attempt_count

logger = logging.getLogger(__name__)

SELF_SERVICE = "self-service:web"


class SelfServiceThrottled(Exception):
    """Too many cases opened from one address: ``retry_after`` is the seconds until its window ends."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many self-service cases; retry after {retry_after} s")
        self.retry_after = retry_after


def self_service_case_open(*, kind: str, address: str | None) -> Case:
    """Open a case for an anonymous person on the public start page, at most
    ``KYC_SELF_SERVICE_CASE_LIMIT`` per client address within ``KYC_SELF_SERVICE_CASE_WINDOW`` seconds.

    Anyone can POST the start page, and every POST makes a Case row (and an audit event), so
    without a limit a script could fill the tables. Every attempt counts in a fixed window that
    starts at the address's first attempt, in the shared cache (``CACHE_URL``: Redis when there
    is more than one web process), like the partner API's invalid-key block; over the limit
    raises :class:`SelfServiceThrottled` with the seconds left, and nothing is opened. The first
    refused attempt of a window is audited (``capture.self_service_throttled``), the following
    ones are not. ``address`` is the client address as ``liveness.security.client_ip`` sees it
    (behind ``KYC_TRUSTED_PROXY_COUNT`` proxies); None counts as one shared "unknown" address.
    """
    address = address or "unknown"
    limit, window = settings.KYC_SELF_SERVICE_CASE_LIMIT, settings.KYC_SELF_SERVICE_CASE_WINDOW
    count, retry_after = astuple(attempt_count(name=f"capture:self-service:{address}", window=window))
    if count > limit:
        if count == limit + 1:
            logger.warning("self-service: %s opened %s cases within %s s; refused for %s s",
                           address, limit, window, retry_after)
            audit_record(action="capture.self_service_throttled", actor_label=f"address:{address}"[:100],
                                  ip_address=address if address != "unknown" else None,
                                  details={"limit": limit, "window_s": window, "retry_after_s": retry_after})
        raise SelfServiceThrottled(retry_after)
    return case_open(kind=kind, actor_label=SELF_SERVICE)
