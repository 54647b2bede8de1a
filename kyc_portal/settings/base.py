"""Django core: the environment kind, apps, middleware, templates, languages, static files.

``KYC_ENV`` selects the defaults every other module builds on: ``development`` (SQLite,
generated dev secrets, DEBUG) or ``production`` (everything sensitive is required, secure
cookies). It is read first; ``PRODUCTION`` is imported by the other area modules.
"""
from __future__ import annotations

from pathlib import Path

from .env import BASE_DIR, boolean, choice, string

KYC_ENV = choice("KYC_ENV", "development", ("development", "production"),
                 doc="`production` requires the secrets below and turns on secure cookies and HSTS")
PRODUCTION = KYC_ENV == "production"

DEBUG = boolean("DEBUG", not PRODUCTION, doc="Django's DEBUG (default: on outside production)")
# Local state of a development or embedded run: the SQLite database and the media folder.
VAR_DIR = Path(string("KYC_VAR_DIR", str(BASE_DIR / "var"), allowed="a folder",
                      doc="where the SQLite database and local media live by default"))

INSTALLED_APPS = [
    "liveness.signin.apps.StaffAdminConfig",  # django.contrib.admin; its site requires the staff 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "liveness.cases",
    "liveness.checks",
    "liveness.media",
    "liveness.partners",
    "liveness.review",
    "liveness.ops.apps.OpsConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "liveness.signin.apps.SigninConfig",
]
if not PRODUCTION:
    # The vendor emulators (`manage.py vendor_sandbox`, docs/sandbox.md) live outside the product.
    INSTALLED_APPS.append("tools.sandbox.apps.SandboxConfig")

MIDDLEWARE = [
    "liveness.ops.context.RequestIdMiddleware",  # first: every later line of the request carries its id
    "django.middleware.security.SecurityMiddleware",
    "liveness.web.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, per django-axes: turns a flagged request into the lock-out page
]

ROOT_URLCONF = "kyc_portal.urls"
WSGI_APPLICATION = "kyc_portal.wsgi.application"
ASGI_APPLICATION = "kyc_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = string("TIME_ZONE", "UTC", allowed="an IANA time zone name", doc="Django's TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static_root"
