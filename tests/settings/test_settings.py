"""Bad configuration stops the process at start with a message naming the variable."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _start(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KYC_", "DATABASE_URL", "SECRET_KEY", "MEDIA_ENCRYPTION_KEYS"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT, env={**clean, "DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "KYC_ENV_FILE": "", **env},
        capture_output=True, text=True, timeout=60,
    )


def test_good_defaults_start():
    assert _start().returncode == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "not-a-url"}, "DATABASE_URL must point at PostgreSQL"),
        ({"DATABASE_URL": "mysql://root@127.0.0.1/kyc"}, "DATABASE_URL must point at PostgreSQL"),
        ({"KYC_SELFIE_PROVIDER": "acme"}, "KYC_SELFIE_PROVIDER='acme' is not a liveness provider"),
        ({"KYC_VIDEO_PROVIDER": "youtu"}, "KYC_VIDEO_PROVIDER='youtu' is not a liveness provider"),
        ({"KYC_THRESHOLD_YOUTU_LEGACY_LIVENESS": "high"}, "must be a number"),
        ({"KYC_THRESHOLD_ACME_LIVENESS": "80"}, "KYC_THRESHOLD_ACME_LIVENESS: expected"),
        ({"CELERY_BROKER_URL": "amqp://guest@localhost//"}, "CELERY_BROKER_URL must be a redis:// URL"),
        ({"MEDIA_ENCRYPTION_KEYS": "k1:c2hvcnQ="}, "must be 32 bytes"),
        ({"YOUTU_TIMEOUT": "-1"}, "YOUTU_TIMEOUT must be positive"),
        ({"KYC_WEBHOOK_ENDPOINTS_MAX": "0"}, "KYC_WEBHOOK_ENDPOINTS_MAX must be between 1 and 100"),
        ({"KYC_SELF_SERVICE_CASE_LIMIT": "0"}, "KYC_SELF_SERVICE_CASE_LIMIT must be at least 1"),
        ({"KYC_ENV": "staging"}, "KYC_ENV must be"),
        ({"KYC_ENV": "production"}, "SECRET_KEY must be set when KYC_ENV=production"),
        ({"KYC_ENV": "production", "SECRET_KEY": "x" * 50}, "MEDIA_ENCRYPTION_KEYS must be set when KYC_ENV=production"),
    ],
)
def test_bad_value_fails_at_start_with_clear_message(env, expected):
    result = _start(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr
