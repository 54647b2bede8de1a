"""Use cases of the public capture pages that are not the case pipeline's own (``liveness.cases.services``).

Same rules: keyword-only ``<entity>_<action>`` functions, an ``AuditEvent`` for every change.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import astuple

from django.conf import settings
from django.db.models import F

from liveness.cases.audit import audit_record
from liveness.cases.models import AuditEvent, CaptureLinkUse, Case, Challenge
from liveness.cases.services import case_open, challenge_issue
from liveness.web.errors import UserFacingError
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


class LinkChallengeLimitReached(UserFacingError):
    """This capture link asked for ``KYC_CHALLENGES_PER_LINK`` challenges already: 429, no vendor call."""


#: Refusals of ``challenge_issue`` made before any vendor request left: the link's slot is given back.
_NOTHING_SENT = frozenset({"provider_busy", "too_many_challenges", "wrong_kind", "case_closed", "language_unsupported"})


def link_challenge_issue(*, case: Case, token: str, language: str | None) -> Challenge:
    """Digits for the person on a capture link: at most ``KYC_CHALLENGES_PER_LINK`` per link (one
    signed token), apart from the case's ``KYC_CHALLENGES_PER_CASE`` (API and links together), so
    one leaked link cannot use up the case's challenges or mint them without end.

    The link's slot is taken by one conditional ``UPDATE`` before the case's limit and the vendor
    call (concurrent requests cannot pass it together) and given back when ``challenge_issue``
    refuses before a request was sent. The first refusal per link is audited
    (``challenge.link_limit_reached``, with the token's digest, never the token).
    """
    digest = hashlib.sha256(token.encode()).hexdigest()
    limit = settings.KYC_CHALLENGES_PER_LINK
    use, _ = CaptureLinkUse.objects.get_or_create(token_digest=digest, defaults={"case": case})
    taken = CaptureLinkUse.objects.filter(pk=use.pk, challenges_issued__lt=limit).update(
        challenges_issued=F("challenges_issued") + 1)
    if not taken:
        if not AuditEvent.objects.filter(case=case, action="challenge.link_limit_reached",
                                         details__link=digest[:16]).exists():
            audit_record(action="challenge.link_limit_reached", actor_label=SELF_SERVICE, case=case,
                         details={"limit": limit, "link": digest[:16]})
        raise LinkChallengeLimitReached(
            "too_many_link_challenges", f"This link was used to ask for new digits {limit} times, the most one link "
                                        f"may; ask whoever sent it for a new link.", status=429)
    try:
        return challenge_issue(case=case, actor_label=SELF_SERVICE, language=language)
    except UserFacingError as refused:
        if refused.code in _NOTHING_SENT:
            CaptureLinkUse.objects.filter(pk=use.pk, challenges_issued__gt=0).update(
                challenges_issued=F("challenges_issued") - 1)
        raise
