"""Staff sign-in (liveness/signin, SECURITY.md "Staff sign-in"): passwords, the TOTP second factor,
lock-out after failures (django-axes)."""
from __future__ import annotations

from datetime import timedelta

from .base import PRODUCTION
from .env import boolean, integer, require, string

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/staff/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
# django-axes first: it refuses a locked username+address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# Staff need a TOTP code after the password (django-otp). Off only for local development.
KYC_STAFF_2FA = boolean("KYC_STAFF_2FA", True, doc="require a TOTP code after the password (cannot be off in production)")
require(KYC_STAFF_2FA or not PRODUCTION, "KYC_STAFF_2FA cannot be turned off when KYC_ENV=production")
# Lock-out (django-axes): this many failed passwords or codes per username and client address
# lock that pair for the cool-off, counted from the last failure.
KYC_LOGIN_FAILURE_LIMIT = integer("KYC_LOGIN_FAILURE_LIMIT", 5, low=1, high=100,
                                  doc="failed passwords or codes per username and address before a lock-out")
KYC_LOGIN_COOLOFF_MINUTES = integer("KYC_LOGIN_COOLOFF_MINUTES", 15, low=1, high=24 * 60, unit="minutes",
                                    doc="how long a lock-out lasts, from the last failure")

AXES_ENABLED = True
AXES_FAILURE_LIMIT = KYC_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=KYC_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "liveness.web.client_ip.client_ip"  # django-ipware is not used
AXES_LOCKOUT_CALLABLE = "liveness.signin.lockout.lockout_response"  # 429 page with the time to retry
AXES_HTTP_RESPONSE_CODE = 429
# Counters are reset by liveness.signin when both factors succeed, not after the password alone.
AXES_RESET_ON_SUCCESS = False
# The retry time on the lock-out page holds: attempts while locked do not extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log (auth.signed_in)
OTP_TOTP_ISSUER = string("KYC_TOTP_ISSUER", "KYC review", doc="the issuer name authenticator apps show")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a TOTP key
