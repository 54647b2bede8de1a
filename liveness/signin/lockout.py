"""django-axes, as the sign-in steps use it.

Password failures reach axes by themselves: ``django.contrib.auth.authenticate`` sends
``user_login_failed``, ``AxesStandaloneBackend`` refuses a locked username+address, and
``AxesMiddleware`` turns the flagged request into :func:`lockout_response`. A wrong TOTP code
or recovery code is reported here as the same kind of failure, so password guesses and code guesses share one
budget (``KYC_LOGIN_FAILURE_LIMIT`` per username and client address within
``KYC_LOGIN_COOLOFF_MINUTES``). Counters are reset only when a sign-in completes (both
factors), never after the password alone: otherwise knowing the password would buy
unlimited code guesses.
"""
from __future__ import annotations

import math
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone

from liveness.web.client_ip import client_ip


def _credentials(username: str) -> dict:
    return {settings.AXES_USERNAME_FORM_FIELD: username}


def failure_record(*, request, username: str) -> bool:
    """Count a failed second factor for ``username``; True if that locked them out."""
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def is_locked(*, request, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, _credentials(username))


def failures_reset(*, request, username: str) -> None:
    AxesProxyHandler.reset_attempts(ip_address=client_ip(request), username=username)


def locked_until(*, request, username: str | None) -> datetime:
    """When the lock on ``username`` at this address ends: the latest counted failure plus the cool-off."""
    latest = None
    if username:
        latest = (AccessAttempt.objects.filter(username=username, ip_address=client_ip(request))
                  .aggregate(latest=Max("attempt_time"))["latest"])
    return (latest or timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: a 429 page naming the time to try again, with ``Retry-After``."""
    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or request.POST.get("username")
    until = locked_until(request=request, username=username)
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    response = render(request, "signin/locked.html", {
        "until": until, "minutes": math.ceil(seconds / 60), "limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": settings.KYC_LOGIN_COOLOFF_MINUTES}, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response
