"""The Django admin behind the staff sign-in: same password + TOTP steps, same lock-out.

Installed as the default admin site by ``StaffAdminConfig`` (INSTALLED_APPS), so every
``@admin.register`` lands here. The admin has no login form of its own: django-otp's
``OTPAdminSite`` would add a code field to it, but two login pages mean two places to
harden, so ``/admin/login/`` sends to ``/staff/login/`` instead.
"""
from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from liveness.signin.access import safe_next, staff_is_verified, step_url


class StaffAdminSite(AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and staff_is_verified(request.user)

    def login(self, request, extra_context=None):
        user = request.user
        next_url = safe_next(request, request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name))
        if self.has_permission(request):
            return redirect(next_url)
        if user.is_authenticated and staff_is_verified(user):
            # Signed in completely, yet has_permission() said no: not staff or inactive. Another
            # trip to the sign-in page would come straight back here.
            raise PermissionDenied("This account has no access to the admin.")
        return redirect(step_url("signin:login", next_url))

    def logout(self, request, extra_context=None):
        from liveness.signin.views import logout

        return logout(request)
