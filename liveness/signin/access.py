"""Who must show a second factor, whether they have, and where to send them if not.

Pure predicates over the request's user (``django_otp.middleware.OTPMiddleware`` gives it
``is_verified()``); the dashboard guard, the admin site and the sign-in views all ask here,
so there is one rule: a staff account is usable only after a TOTP code (or a recovery code) in this session
(unless ``KYC_STAFF_2FA`` is off, which settings refuse in production).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

#: Groups whose members may reset another account's authenticator (superusers always may).
TWO_FACTOR_ADMIN_GROUPS = ("supervisor", "compliance_admin")


def staff_needs_second_factor(user) -> bool:
    return bool(settings.KYC_STAFF_2FA and user.is_authenticated and user.is_staff)


def staff_is_verified(user) -> bool:
    """True when nothing more is asked of this user: not staff, 2FA off, or verified this session."""
    if not staff_needs_second_factor(user):
        return True
    is_verified = getattr(user, "is_verified", None)  # absent only if OTPMiddleware is missing: fail closed
    return bool(is_verified and is_verified())


def can_reset_two_factor(user) -> bool:
    if not (user.is_authenticated and user.is_staff and user.is_active and staff_is_verified(user)):
        return False
    return user.is_superuser or user.groups.filter(name__in=TWO_FACTOR_ADMIN_GROUPS).exists()


def safe_next(request, candidate: str | None) -> str:
    """``candidate`` if it is a same-site URL, else the default landing page."""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def step_url(name: str, next_url: str) -> str:
    """URL of a sign-in step (``"signin:verify"``...) carrying ``next``."""
    url = reverse(name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def second_factor_url(request, next_url: str) -> str:
    """Where an unverified staff user goes: enrolment without a confirmed device, else the code page."""
    from liveness.signin.selectors import totp_device_confirmed

    name = "signin:verify" if totp_device_confirmed(user=request.user) else "signin:enrol"
    return step_url(name, next_url)


def staff_page(*, allowed: Callable[[object], bool], refusal: str):
    """Decorator for pages of signed-in, verified people: anonymous -> the sign-in page; password
    only -> the code step (or enrolment), then back; verified but not ``allowed(user)`` -> 403
    with ``refusal``. The dashboard, the recovery-codes page and the supervisors' two-factor page
    all use it.

    No response of these pages is cached, refusals included: the redirects, the 403 (raised
    here as ``PermissionDenied``), a 404 the view raises (``Http404``) and any other exception
    are turned into their response here, as Django's handler would (same handler403/404 pages,
    same logging), so that they too carry ``Cache-Control: no-store``; an exception that
    escaped would be rendered by Django outside this decorator, without it.
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                response = guarded(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - rendered exactly as Django would, plus no-store
                from django.core.handlers.exception import response_for_exception

                response = response_for_exception(request, exc)
            add_never_cache_headers(response)
            return response

        def guarded(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not staff_is_verified(user):
                return redirect(second_factor_url(request, request.get_full_path()))
            if not allowed(user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)
        return wrapped
    return decorator
