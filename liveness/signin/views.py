"""Staff sign-in pages: password, then the TOTP code or a recovery code (or enrolment), lock-out,
sign-out, the recovery-codes page, and the supervisors' page for resetting someone's authenticator.

Each step re-validates ``next`` (same site only) and re-derives where the user stands from the
session, so a step cannot be skipped by going to a later URL: an unauthenticated visitor of
the code page is sent to the password page, a verified one straight on.
"""
from __future__ import annotations

import functools

import django_otp
import segno
from django.contrib import auth, messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from liveness.review.services import actor_label_for
from liveness.signin import lockout, selectors, services
from liveness.signin.access import (
    can_reset_two_factor,
    safe_next,
    second_factor_url,
    staff_is_verified,
    staff_needs_second_factor,
    staff_page,
    step_url,
)
from liveness.signin.forms import (
    CodeForm,
    SecondFactorForm,
    StaffAuthenticationForm,
    recovery_code_display,
)
from liveness.web.client_ip import client_ip

WRONG_CODE = ("That code was not accepted. A code changes every 30 seconds and works only once; "
              "after a wrong code wait a few seconds before the next try.")
WRONG_RECOVERY_CODE = ("That recovery code was not accepted. Each recovery code works only once; "
                       "check it for typos, and after a wrong code wait a few seconds before the next try.")

#: Plaintext recovery codes of a new set, kept in the session only until the page shows them.
FRESH_CODES_SESSION_KEY = "signin_fresh_recovery_codes"


def _next(request) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _complete(request, user, *, second_factor: str) -> None:
    """Both factors (or the only one) are done: forget this user's failures here, audit."""
    lockout.failures_reset(request=request, username=user.get_username())
    services.signin_record(user=user, second_factor=second_factor, ip_address=client_ip(request))


def _otp_login(request, device) -> None:
    django_otp.login(request, device)
    request.session.cycle_key()  # new privileges, new session id


def _locked(request, username: str):
    auth.logout(request)  # start again from the password once the lock ends
    return lockout.lockout_response(request, credentials={"username": username})


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    next_url = _next(request)
    if request.user.is_authenticated:
        if staff_is_verified(request.user):
            return redirect(next_url)
        return redirect(second_factor_url(request, next_url))
    form = StaffAuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth.login(request, user)
        if staff_needs_second_factor(user):
            return redirect(second_factor_url(request, next_url))
        _complete(request, user, second_factor="none")
        return redirect(next_url)
    return render(request, "signin/login.html", {"form": form, "next": next_url})


def _second_step(view):
    """Common entry of the code and enrolment pages: signed in with the password, not yet verified, not locked."""
    @functools.wraps(view)
    def wrapped(request):
        next_url = _next(request)
        user = request.user
        if not user.is_authenticated:
            return redirect(step_url("signin:login", next_url))
        if staff_is_verified(user):
            return redirect(next_url)
        if lockout.is_locked(request=request, username=user.get_username()):
            return _locked(request, user.get_username())
        return view(request, user, next_url)
    return never_cache(require_http_methods(["GET", "POST"])(wrapped))


def _low_codes_warning(request, remaining: int) -> None:
    if remaining > services.RECOVERY_CODES_LOW:
        return
    left = "You have used your last recovery code." if remaining == 0 else (
        f"Only {remaining} recovery code{'s' if remaining != 1 else ''} left.")
    messages.warning(request, f"{left} Generate a new set now (Recovery codes, next to Sign out) "
                              f"and store it safely.")


@sensitive_post_parameters("code")
@_second_step
def verify(request, user, next_url):
    """The TOTP code or, in the same field, a recovery code. A wrong one of either kind is one
    failure towards the lock-out; a recovery code, once accepted, is deleted."""
    if selectors.totp_device_confirmed(user=user) is None:
        return redirect(step_url("signin:enrol", next_url))
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        verify_with = services.totp_verify if form.kind == "totp" else services.recovery_code_verify
        device = verify_with(user=user, token=form.cleaned_data["code"], ip_address=client_ip(request))
        if device is not None:
            _otp_login(request, device)
            _complete(request, user, second_factor=form.kind)
            if form.kind == "recovery_code":
                _low_codes_warning(request, selectors.recovery_codes_remaining(user=user))
            return redirect(next_url)
        if lockout.failure_record(request=request, username=user.get_username()):
            return _locked(request, user.get_username())
        form.add_error("code", WRONG_CODE if form.kind == "totp" else WRONG_RECOVERY_CODE)
    return render(request, "signin/verify.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


def _qr_svg(url: str) -> str:
    # Inline SVG (no image request, nothing external, no script): segno draws it server-side.
    return segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#1d2433", light="#ffffff")


@_second_step
def enrol(request, user, next_url):
    if selectors.totp_device_confirmed(user=user) is not None:
        return redirect(step_url("signin:verify", next_url))
    device = services.totp_enrol_start(user=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        confirmed = services.totp_enrol_confirm(user=user, token=form.cleaned_data["code"],
                                                ip_address=client_ip(request))
        if confirmed is not None:
            codes = services.recovery_codes_create(user=user, ip_address=client_ip(request))
            _otp_login(request, confirmed)
            _fresh_codes_keep(request, codes)
            _complete(request, user, second_factor="totp")
            messages.success(request, "Authenticator confirmed. You will be asked for a code at every sign-in.")
            return redirect(step_url("signin:recovery_codes", next_url))
        if lockout.failure_record(request=request, username=user.get_username()):
            return _locked(request, user.get_username())
        form.add_error("code", WRONG_CODE)
    secret = selectors.totp_secret_base32(device=device)
    return render(request, "signin/enrol.html", {
        "form": form, "next": next_url, "qr_svg": _qr_svg(device.config_url),
        "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
        "config_url": device.config_url}, status=400 if form.errors else 200)


# --- recovery codes ----------------------------------------------------------------------------

def _fresh_codes_keep(request, codes: list[str]) -> None:
    request.session[FRESH_CODES_SESSION_KEY] = codes


def _fresh_codes_take(request, user) -> list[str]:
    """The new set waiting to be shown, removed from the session by this call (shown once).
    Codes no longer valid (a newer set made elsewhere, a reset) are dropped, not shown."""
    codes = request.session.pop(FRESH_CODES_SESSION_KEY, None)
    if not isinstance(codes, list):
        return []
    return selectors.recovery_codes_unused(user=user, codes=[c for c in codes if isinstance(c, str)])


#: Signed in, staff, and past the second factor in this session.
verified_staff_required = staff_page(allowed=lambda user: user.is_staff,
                                     refusal="Recovery codes are for staff two-factor sign-in.")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
@verified_staff_required
def recovery_codes(request):
    """GET: a new set once, right after it was made (enrolment or the button), else how many
    codes are left and the button. POST: a new set replacing every old code, then back here
    (post/redirect/get) to show it once."""
    user, next_url = request.user, _next(request)
    if request.method == "POST":
        codes = services.recovery_codes_create(user=user, ip_address=client_ip(request))
        _fresh_codes_keep(request, codes)
        return redirect(step_url("signin:recovery_codes", next_url))
    fresh = _fresh_codes_take(request, user)
    return render(request, "signin/recovery_codes.html", {
        "fresh": [recovery_code_display(code) for code in fresh], "next": next_url,
        "remaining": selectors.recovery_codes_remaining(user=user), "low": services.RECOVERY_CODES_LOW,
        "count": services.RECOVERY_CODE_COUNT})


@require_POST
def logout(request):
    if request.user.is_authenticated:
        services.signout_record(user=request.user, ip_address=client_ip(request))
    auth.logout(request)
    return redirect("signin:login")


# --- supervisors: reset someone's authenticator ------------------------------------------------

two_factor_admin_required = staff_page(
    allowed=can_reset_two_factor, refusal="Only supervisors and compliance admins can reset authenticators.")


@require_GET
@two_factor_admin_required
def two_factor_staff(request):
    return render(request, "signin/two_factor.html", {"rows": selectors.staff_two_factor_rows()})


@require_POST
@two_factor_admin_required
def two_factor_reset(request, user_id: int):
    target = get_object_or_404(get_user_model(), pk=user_id, is_staff=True)
    try:
        removed = services.totp_reset(user=target, actor=request.user, actor_label=actor_label_for(request.user),
                                      ip_address=client_ip(request))
    except services.TwoFactorResetRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Removed {removed} authenticator(s) and the recovery codes of "
                                  f"{target.get_username()}: they enrol a new one at their next sign-in.")
    return redirect(reverse("signin:two_factor"))
