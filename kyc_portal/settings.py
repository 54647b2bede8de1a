"""Settings, read from the environment (and an optional ``.env`` file beside manage.py).

Every value that differs between a laptop, CI and production comes from the
environment; bad values stop the process at import time with a message that names
the variable (``ImproperlyConfigured``), rather than failing later in a request.

``KYC_ENV`` selects the defaults: ``development`` (SQLite, generated dev secrets,
DEBUG) or ``production`` (everything sensitive is required, secure cookies).
"""
from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# KYC_ENV_FILE="" reads no file (tests of the settings themselves use that).
_env_file = environ.Env().str("KYC_ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file:
    environ.Env.read_env(_env_file, overwrite=False)

KYC_ENV = env.str("KYC_ENV", default="development")
if KYC_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"KYC_ENV must be 'development' or 'production', not {KYC_ENV!r}")
PRODUCTION = KYC_ENV == "production"


def _required_in_production(name: str, dev_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when KYC_ENV=production")
    return dev_default


def _positive(name: str, value: float) -> float:
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be positive, got {value!r}")
    return value


# --- core -------------------------------------------------------------------
SECRET_KEY = _required_in_production("SECRET_KEY", "dev-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A CSRF refusal on the capture JSON endpoints is answered in JSON (the page shows its message); Django's
# 403 page everywhere else. The check itself is Django's CsrfViewMiddleware, unchanged.
CSRF_FAILURE_VIEW = "liveness.capture.views.csrf_failure"

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
    "liveness",
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
    "django.middleware.security.SecurityMiddleware",
    "liveness.security.csp.ContentSecurityPolicyMiddleware",
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

# --- database -----------------------------------------------------------------
VAR_DIR = Path(env.str("KYC_VAR_DIR", default=str(BASE_DIR / "var")))
_default_db = f"sqlite:///{VAR_DIR / 'kyc_portal.sqlite3'}"
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=_default_db)}
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a usable database URL: {exc}") from exc
_engine = DATABASES["default"].get("ENGINE", "")
if _engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL must point at PostgreSQL (postgres://...) or SQLite (sqlite:///...), "
        f"got engine {_engine or 'unknown'!r}"
    )
if _engine == "django.db.backends.sqlite3":
    # The embedded run has a web server and a worker writing at once: wait for locks
    # instead of failing, and take the write lock at BEGIN so upgrades cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Shared cache (API throttling counts). Production: CACHE_URL=redis://host:6379/1 so every web
# process sees the same counts; the default is per-process memory.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Partner API: a client address that sent this many invalid API keys within the window gets 429
# for every request until the window (counted from its first invalid key) ends.
KYC_API_KEY_FAILURE_LIMIT = env.int("KYC_API_KEY_FAILURE_LIMIT", default=20)
KYC_API_KEY_FAILURE_WINDOW = env.int("KYC_API_KEY_FAILURE_WINDOW", default=600)
if KYC_API_KEY_FAILURE_LIMIT < 1 or not 1 <= KYC_API_KEY_FAILURE_WINDOW <= 86400:
    raise ImproperlyConfigured("KYC_API_KEY_FAILURE_LIMIT must be at least 1 and KYC_API_KEY_FAILURE_WINDOW "
                               "between 1 and 86400 seconds")

# --- auth, i18n, static -----------------------------------------------------------
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

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "static_root"

# --- biometric media -------------------------------------------------------------
# Media is encrypted before it reaches storage and is never under a public URL:
# there is deliberately no MEDIA_URL route. See liveness/media.py.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": env.str("MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# S3-compatible object storage (AWS S3, MinIO, Ceph RGW...) through django-storages, for web and
# worker machines that share no disk (docs/deploy.md). What reaches the bucket is already
# AES-GCM-sealed; objects are never served from the bucket (no public ACL, no signed URLs: media
# leaves only through the audited views), so the bucket stays private. Credentials are not
# settings: boto3's own chain finds them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE,
# an instance or pod role).
S3_MEDIA_BACKENDS = {"storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage"}
if STORAGES["default"]["BACKEND"] in S3_MEDIA_BACKENDS:
    from botocore.config import Config as _BotoConfig

    _bucket = env.str("MEDIA_S3_BUCKET", default="")
    if not _bucket:
        raise ImproperlyConfigured("MEDIA_S3_BUCKET must be set when MEDIA_STORAGE_BACKEND is the S3 backend")
    if bool(env.str("AWS_ACCESS_KEY_ID", default="")) != bool(env.str("AWS_SECRET_ACCESS_KEY", default="")):
        raise ImproperlyConfigured("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (instance role)")
    _addressing = env.str("MEDIA_S3_ADDRESSING_STYLE", default="auto")
    if _addressing not in {"auto", "path", "virtual"}:
        raise ImproperlyConfigured(f"MEDIA_S3_ADDRESSING_STYLE must be auto, path or virtual, got {_addressing!r}")
    _s3_timeout = _positive("MEDIA_S3_TIMEOUT", env.float("MEDIA_S3_TIMEOUT", default=10.0))
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": _bucket,
        "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,  # None: AWS itself
        "region_name": env.str("MEDIA_S3_REGION", default="") or None,
        "location": env.str("MEDIA_S3_PREFIX", default="").strip("/"),  # key prefix inside the bucket
        "default_acl": None,  # no ACL header: objects stay private to the bucket owner
        "querystring_auth": False,  # no presigned URLs are ever handed out
        "file_overwrite": True,  # names carry the blob's UUID; skips a HEAD request per upload
        "client_config": _BotoConfig(
            signature_version="s3v4", s3={"addressing_style": _addressing},
            connect_timeout=_s3_timeout, read_timeout=_s3_timeout,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    }


def _media_keys(raw: str) -> dict[str, bytes]:
    """``MEDIA_ENCRYPTION_KEYS=kid1:base64key,kid2:base64key``; the first is used for new files."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kid, sep, b64 = item.partition(":")
        if not sep or not kid:
            raise ImproperlyConfigured("MEDIA_ENCRYPTION_KEYS entries must look like 'keyid:base64key'")
        try:
            key = base64.b64decode(b64, validate=True)
        except binascii.Error as exc:
            raise ImproperlyConfigured(f"MEDIA_ENCRYPTION_KEYS key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"MEDIA_ENCRYPTION_KEYS key {kid!r} must be 32 bytes (AES-256)")
        keys[kid] = key
    return keys


MEDIA_ENCRYPTION_KEYS = _media_keys(env.str("MEDIA_ENCRYPTION_KEYS", default=""))
if not MEDIA_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("MEDIA_ENCRYPTION_KEYS must be set when KYC_ENV=production")
    # Development only: a fixed, obviously-not-secret key so a dev database stays readable.
    MEDIA_ENCRYPTION_KEYS = {"dev": b"dev-only-media-key-do-not-use!!!"}
MEDIA_ACTIVE_KEY_ID = next(iter(MEDIA_ENCRYPTION_KEYS))

KYC_MAX_IMAGE_BYTES = env.int("KYC_MAX_IMAGE_BYTES", default=8 * 1024 * 1024)
KYC_MAX_VIDEO_BYTES = env.int("KYC_MAX_VIDEO_BYTES", default=20 * 1024 * 1024)
KYC_MAX_IMAGE_PIXELS = env.int("KYC_MAX_IMAGE_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = KYC_MAX_VIDEO_BYTES + KYC_MAX_IMAGE_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- liveness providers -----------------------------------------------------------
# Every provider, its environment variables and defaults: liveness/vendors/<family>/spec.py
# (gathered in liveness.vendors.registry; docs/vendors.md).
from liveness.vendors.registry import SPECS as _VENDOR_SPECS  # noqa: E402  (pure data, no Django)
from liveness.vendors.registry import SettingError as _VendorSettingError  # noqa: E402
from liveness.vendors.registry import provider_settings as _provider_settings  # noqa: E402

KNOWN_PROVIDERS = tuple(_VENDOR_SPECS)
KYC_SELFIE_PROVIDER = env.str("KYC_SELFIE_PROVIDER", default="local")
KYC_VIDEO_PROVIDER = env.str("KYC_VIDEO_PROVIDER", default="local")
for _var, _value in (("KYC_SELFIE_PROVIDER", KYC_SELFIE_PROVIDER), ("KYC_VIDEO_PROVIDER", KYC_VIDEO_PROVIDER)):
    # A dotted path ("package.module.Class") is accepted for custom providers.
    if _value not in KNOWN_PROVIDERS and "." not in _value:
        raise ImproperlyConfigured(
            f"{_var}={_value!r} is not a liveness provider; choose one of {', '.join(KNOWN_PROVIDERS)} "
            f"or give a dotted path to a provider class"
        )

try:
    KYC_PROVIDERS: dict[str, dict] = _provider_settings(env.ENVIRON)
except _VendorSettingError as _exc:
    raise ImproperlyConfigured(str(_exc)) from None

# Threshold overrides: KYC_THRESHOLD_<PROVIDER>_<METRIC>=value (vendor's own scale).
# They seed version 1 of a ThresholdPolicy; later versions are edited by compliance.
KYC_THRESHOLD_OVERRIDES: dict[tuple[str, str], float] = {}
for _key, _raw in env.ENVIRON.items():
    if _key.startswith("KYC_THRESHOLD_"):
        _rest = _key[len("KYC_THRESHOLD_"):].lower()
        _provider, _, _metric = _rest.rpartition("_")
        if _provider not in KNOWN_PROVIDERS or _metric not in {"liveness", "similarity"}:
            raise ImproperlyConfigured(
                f"{_key}: expected KYC_THRESHOLD_<{'|'.join(p.upper() for p in KNOWN_PROVIDERS)}>_<LIVENESS|SIMILARITY>"
            )
        try:
            KYC_THRESHOLD_OVERRIDES[(_provider, _metric)] = float(_raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{_key} must be a number, got {_raw!r}") from exc

# How long a capture link (signed, naming one case) stays valid, in seconds.
KYC_CAPTURE_LINK_MAX_AGE = env.int("KYC_CAPTURE_LINK_MAX_AGE", default=24 * 3600)

# Capture pages: this many failed submissions within the window block new uploads for the case
# (the person is told to wait that many minutes).
KYC_CAPTURE_MAX_FAILURES = int(_positive("KYC_CAPTURE_MAX_FAILURES", env.int("KYC_CAPTURE_MAX_FAILURES", default=5)))
KYC_CAPTURE_FAILURE_WINDOW_MINUTES = int(_positive(
    "KYC_CAPTURE_FAILURE_WINDOW_MINUTES", env.int("KYC_CAPTURE_FAILURE_WINDOW_MINUTES", default=10)))

# Public start page: at most this many cases opened per client address (KYC_TRUSTED_PROXY_COUNT) within
# the window (seconds, from the address's first); more get a 429 page with Retry-After. Counted in CACHES.
KYC_SELF_SERVICE_CASE_LIMIT = env.int("KYC_SELF_SERVICE_CASE_LIMIT", default=20)
KYC_SELF_SERVICE_CASE_WINDOW = env.int("KYC_SELF_SERVICE_CASE_WINDOW", default=3600)
if KYC_SELF_SERVICE_CASE_LIMIT < 1 or not 1 <= KYC_SELF_SERVICE_CASE_WINDOW <= 86400:
    raise ImproperlyConfigured("KYC_SELF_SERVICE_CASE_LIMIT must be at least 1 and KYC_SELF_SERVICE_CASE_WINDOW "
                               "between 1 and 86400 seconds")

# What to do when every check passed. False sends even clean cases to a reviewer.
KYC_AUTO_APPROVE = env.bool("KYC_AUTO_APPROVE", default=True)

# --- pipeline (Celery) ----------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
if not CELERY_BROKER_URL.startswith(("redis://", "rediss://", "memory://")):
    raise ImproperlyConfigured(f"CELERY_BROKER_URL must be a redis:// URL, got {CELERY_BROKER_URL!r}")
CELERY_RESULT_BACKEND = None  # results live in the database (Check rows), not in Celery
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A broker restart must not cancel a check mid vendor call (Celery 6 will default to True): the
# call finishes, its answer is saved and acknowledged once the broker is back; a cancelled one
# would be lost and paid for twice (tests/security/test_reliability_infra.py).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
# Redis redelivers an unacknowledged task after this; it must exceed the longest check.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT * 2 + 60),
}
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Retries of transient vendor failures: a fixed schedule, then a terminal failed state.
KYC_CHECK_RETRY_DELAYS = [int(x) for x in env.list("KYC_CHECK_RETRY_DELAYS", default=["5", "30", "120"])]
# A check left "in flight" longer than this was abandoned by a dead worker.
KYC_CHECK_STALE_AFTER = CELERY_TASK_TIME_LIMIT + 30

# Queues (docs/scaling.md): "engine" = local-engine checks (CPU-bound: a prefork worker, one
# process per core), "vendor" = checks calling a remote vendor (I/O-bound: a threads-pool worker,
# many threads), "webhooks" = deliveries to partners (I/O-bound, threads: a partner whose endpoint
# hangs holds one thread for its timeout, not the sweeps or other partners' deliveries),
# "default" = everything else (sweeps, purges: beat). A worker started without -Q consumes all
# four. KYC_CHECK_QUEUE_<PROVIDER>=engine|vendor|default moves a provider's checks; a dotted-path
# custom provider goes to "vendor" (liveness.tasks.check_queue).
CELERY_TASK_DEFAULT_QUEUE = "default"
# Each queue has its own direct exchange and routing key, so a message can only land in its queue.
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name)
                           for name in ("default", "engine", "vendor", "webhooks"))
CELERY_TASK_ROUTES = {"liveness.api.tasks.webhook_deliver_task": {"queue": "webhooks"}}
# Webhook URLs (liveness/api/webhook_urls.py): public addresses only unless ALLOW_PRIVATE (default
# on in development and tests, whose receivers listen on 127.0.0.1); https only if REQUIRE_HTTPS.
KYC_WEBHOOK_ALLOW_PRIVATE = env.bool("KYC_WEBHOOK_ALLOW_PRIVATE", default=not PRODUCTION)
KYC_WEBHOOK_REQUIRE_HTTPS = env.bool("KYC_WEBHOOK_REQUIRE_HTTPS", default=PRODUCTION)
# Seconds a partner's webhook endpoint has to answer one delivery (connect and each read).
KYC_WEBHOOK_TIMEOUT = env.float("KYC_WEBHOOK_TIMEOUT", default=5.0)
if not 0 < KYC_WEBHOOK_TIMEOUT <= 60:
    raise ImproperlyConfigured(f"KYC_WEBHOOK_TIMEOUT must be more than 0 and at most 60 seconds, got {KYC_WEBHOOK_TIMEOUT}")
# Active webhook endpoints one partner may have: every event goes to each, so this bounds the fan-out
# of one case move (and what one leaked key can add).
KYC_WEBHOOK_ENDPOINTS_MAX = env.int("KYC_WEBHOOK_ENDPOINTS_MAX", default=10)
if not 1 <= KYC_WEBHOOK_ENDPOINTS_MAX <= 100:
    raise ImproperlyConfigured(f"KYC_WEBHOOK_ENDPOINTS_MAX must be between 1 and 100, got {KYC_WEBHOOK_ENDPOINTS_MAX}")
_CHECK_QUEUE_NAMES = ("default", "engine", "vendor")  # where checks may go
KYC_CHECK_QUEUES: dict[str, str] = {}
for _provider in KNOWN_PROVIDERS:
    _name = f"KYC_CHECK_QUEUE_{_provider.upper()}"
    KYC_CHECK_QUEUES[_provider] = env.str(_name, default=_VENDOR_SPECS[_provider].queue)
    if KYC_CHECK_QUEUES[_provider] not in _CHECK_QUEUE_NAMES:
        raise ImproperlyConfigured(f"{_name} must be one of {', '.join(_CHECK_QUEUE_NAMES)}, got {KYC_CHECK_QUEUES[_provider]!r}")

# Vendor rate limits, shared by every worker through Redis (liveness/ratelimit.py):
# KYC_RATE_LIMIT_<PROVIDER>="20/s" | "600/min" | "off" (or 0). Defaults are each vendor's
# documented default quota for the API a check calls (sources in docs/scaling.md):
_RATE_LIMIT_DEFAULTS = {name: spec.rate_limit for name, spec in _VENDOR_SPECS.items()}  # sources in each spec
_RATE_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}


def _rate_per_second(name: str, raw: str) -> float | None:
    text = raw.strip().lower().replace(" ", "")
    if text in {"off", "0", "none"}:
        return None
    count, _, unit = text.partition("/")
    try:
        value = float(count)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e6 or unit not in _RATE_UNITS:
        raise ImproperlyConfigured(f"{name} must look like '20/s', '600/min' or 'off', got {raw!r}")
    return value / _RATE_UNITS[unit] or None


_RATE_LIMIT_OPTIONS = {"KYC_RATE_LIMIT_MAX_WAIT", "KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT", "KYC_RATE_LIMIT_REDIS_URL"}
for _key in env.ENVIRON:
    if (_key.startswith("KYC_RATE_LIMIT_") and _key not in _RATE_LIMIT_OPTIONS
            and _key[len("KYC_RATE_LIMIT_"):].lower() not in KNOWN_PROVIDERS):
        raise ImproperlyConfigured(f"{_key}: expected KYC_RATE_LIMIT_<{'|'.join(p.upper() for p in KNOWN_PROVIDERS)}>")
KYC_RATE_LIMITS: dict[str, float] = {}
for _provider, _default in _RATE_LIMIT_DEFAULTS.items():
    _name = f"KYC_RATE_LIMIT_{_provider.upper()}"
    _rate = _rate_per_second(_name, env.str(_name, default=_default))
    if _rate:
        KYC_RATE_LIMITS[_provider] = _rate
# A task waits at most this long (seconds) for its slot; a later slot re-queues it instead.
KYC_RATE_LIMIT_MAX_WAIT = env.float("KYC_RATE_LIMIT_MAX_WAIT", default=2.0)
if not 0 <= KYC_RATE_LIMIT_MAX_WAIT <= 30:
    raise ImproperlyConfigured(f"KYC_RATE_LIMIT_MAX_WAIT must be between 0 and 30 seconds, got {KYC_RATE_LIMIT_MAX_WAIT}")
# A built request waits at most this long (seconds) for its departure, 1/Q after the previous one
# (liveness.ratelimit.RateLimiter.space); in practice the wait is at most the threads that built
# requests at the same moment / Q.
KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT = env.float("KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT", default=30.0)
if not 0 < KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT <= 60:
    raise ImproperlyConfigured(
        f"KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT must be more than 0 and at most 60 seconds, got {KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT}")
# The Redis holding the limiter's state; default: the broker. Empty (a memory:// broker) = no limiting.
KYC_RATE_LIMIT_REDIS_URL = env.str(
    "KYC_RATE_LIMIT_REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if KYC_RATE_LIMIT_REDIS_URL and not KYC_RATE_LIMIT_REDIS_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"KYC_RATE_LIMIT_REDIS_URL must be a redis:// URL, got {KYC_RATE_LIMIT_REDIS_URL!r}")
# Celery's threads pool (the vendor queue) enforces no time limits: each vendor's HTTP timeout is
# what bounds a check, so it (plus the longest waits for a slot and a departure) must end before
# the soft limit.
for _provider, _config in KYC_PROVIDERS.items():
    if "timeout" in _config and (_config["timeout"] + KYC_RATE_LIMIT_MAX_WAIT + KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT
                                 >= CELERY_TASK_SOFT_TIME_LIMIT):
        raise ImproperlyConfigured(
            f"the {_provider} timeout ({_config['timeout']:g} s) plus KYC_RATE_LIMIT_MAX_WAIT and "
            f"KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT must be shorter than CELERY_TASK_SOFT_TIME_LIMIT "
            f"({CELERY_TASK_SOFT_TIME_LIMIT} s)")
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-checks": {"task": "liveness.tasks.checks_requeue_stuck", "schedule": 60.0},
    "requeue-lost-webhooks": {"task": "liveness.api.tasks.webhook_deliveries_requeue", "schedule": 60.0},
    "purge-idempotency": {"task": "liveness.api.tasks.idempotency_purge", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE["purge-expired-media"] = {"task": "liveness.tasks.media_purge_expired", "schedule": 3600.0}
# Orphaned media files (liveness/security/orphans.py): every 6 h lists the whole media storage,
# so an orphan goes at most KYC_ORPHAN_GRACE_HOURS + 6 h after it was written.
CELERY_BEAT_SCHEDULE["sweep-orphaned-media"] = {"task": "liveness.tasks.media_orphans_sweep", "schedule": 6 * 3600.0}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Partner API: requests per API key (liveness.api.permissions.PartnerKeyThrottle), counted in
    # the default cache; a 429 carries Retry-After.
    "DEFAULT_THROTTLE_RATES": {"partner_key": env.str("KYC_API_RATE", default="300/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KYC liveness partner API",
    "DESCRIPTION": "Open a case, issue digits, upload a selfie or a digit video, read the result or receive it "
                   "by webhook. Authenticate with 'Authorization: Bearer kyc_live_...'. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page loads Swagger UI from this server (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- retention of biometric media -----------------------------------------------------
# Days after a case reached the state before its media is purged (liveness/security/retention.py):
# KYC_RETENTION_DAYS_<STATE>=N, N >= 1, or 0 / "off" to keep that state's media. Cases in
# processing or manual review are never purged; naming them is an error.
_RETENTION_DEFAULTS = {"approved": 90, "rejected": 90, "retake_requested": 30, "awaiting_submission": 30}
KYC_RETENTION_DAYS: dict[str, int] = {}
for _state, _default in _RETENTION_DEFAULTS.items():
    _name = f"KYC_RETENTION_DAYS_{_state.upper()}"
    _raw = env.str(_name, default=str(_default)).strip().lower()
    if _raw in {"0", "off", "never"}:
        continue
    try:
        _days = int(_raw)
    except ValueError:
        raise ImproperlyConfigured(f"{_name} must be a whole number of days (or 0/off), got {_raw!r}") from None
    if _days < 1 or _days > 36500:
        raise ImproperlyConfigured(f"{_name} must be between 1 and 36500 days (or 0/off), got {_days}")
    KYC_RETENTION_DAYS[_state] = _days
for _name in ("KYC_RETENTION_DAYS_PROCESSING", "KYC_RETENTION_DAYS_MANUAL_REVIEW"):
    if env.str(_name, default=""):
        raise ImproperlyConfigured(f"{_name}: media of cases still being worked on is never purged")
# A media file no row names is deleted once it is this many hours old (liveness/security/orphans.py).
# A file whose transaction has not committed yet looks the same, so this must outlast any upload.
_raw = env.str("KYC_ORPHAN_GRACE_HOURS", default="24").strip()
try:
    KYC_ORPHAN_GRACE_HOURS = int(_raw)
except ValueError:
    raise ImproperlyConfigured(f"KYC_ORPHAN_GRACE_HOURS must be a whole number of hours, got {_raw!r}") from None
if not 1 <= KYC_ORPHAN_GRACE_HOURS <= 24 * 365:
    raise ImproperlyConfigured(f"KYC_ORPHAN_GRACE_HOURS must be between 1 and 8760, got {KYC_ORPHAN_GRACE_HOURS}")


# --- staff sign-in (liveness/signin, SECURITY.md "Staff sign-in") -------------------------
def _int_setting(name: str, default: int, low: int, high: int) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, got {value}")
    return value


# Staff need a TOTP code after the password (django-otp). Off only for local development.
KYC_STAFF_2FA = env.bool("KYC_STAFF_2FA", default=True)
if PRODUCTION and not KYC_STAFF_2FA:
    raise ImproperlyConfigured("KYC_STAFF_2FA cannot be turned off when KYC_ENV=production")
# Lock-out (django-axes): this many failed passwords or codes per username and client address
# lock that pair for the cool-off, counted from the last failure.
KYC_LOGIN_FAILURE_LIMIT = _int_setting("KYC_LOGIN_FAILURE_LIMIT", 5, 1, 100)
KYC_LOGIN_COOLOFF_MINUTES = _int_setting("KYC_LOGIN_COOLOFF_MINUTES", 15, 1, 24 * 60)
# Reverse proxies in front of the web process that append to X-Forwarded-For (0 = none: the
# client is REMOTE_ADDR). Must match the deployment exactly: see liveness/security/client_ip.py.
KYC_TRUSTED_PROXY_COUNT = _int_setting("KYC_TRUSTED_PROXY_COUNT", 0, 0, 10)

AXES_ENABLED = True
AXES_FAILURE_LIMIT = KYC_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=KYC_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "liveness.security.client_ip.client_ip"  # django-ipware is not used
AXES_LOCKOUT_CALLABLE = "liveness.signin.lockout.lockout_response"  # 429 page with the time to retry
AXES_HTTP_RESPONSE_CODE = 429
# Counters are reset by liveness.signin when both factors succeed, not after the password alone.
AXES_RESET_ON_SUCCESS = False
# The retry time on the lock-out page holds: attempts while locked do not extend the lock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log (auth.signed_in)
OTP_TOTP_ISSUER = env.str("KYC_TOTP_ISSUER", default="KYC review")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a TOTP key

# --- security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Capture-link tokens are cut out of every line (django.request logs the path of each 4xx).
    "filters": {"redact_secrets": {"()": "liveness.security.log_redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's default handlers (its DEBUG console and runserver's access log) would print the same lines
    # again, tokens and all: its loggers hand everything to the redacting root handler instead.
    "loggers": {name: {"handlers": [], "propagate": True} for name in ("django", "django.server")},
}
