"""``scripts/run`` on a fresh clone: the development database is SQLite under ``var/`` (README,
"Run it"). Every migration must apply to it and the demo reviewer must be created, or the front
door fails before the portal starts (it did once: a PostgreSQL-only index migration). The
analytics refresh beat runs every minute must work there too (it once failed on PostgreSQL-only SQL)."""
from __future__ import annotations

import base64
import os
import subprocess
import sys

from tests.conftest import ROOT


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _sqlite_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KYC_", "DJANGO_SETTINGS"))}
    env.update({
        "KYC_ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "kyc_portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
        "SECRET_KEY": base64.b64encode(os.urandom(40)).decode(),
        "MEDIA_ENCRYPTION_KEYS": "dev1:" + base64.b64encode(os.urandom(32)).decode(),
    })
    return env


def test_every_migration_applies_to_a_fresh_sqlite_database_and_the_demo_reviewer_is_printed(tmp_path):
    env = _sqlite_env(tmp_path)

    migrated = _manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    pending = _manage("migrate", "--check", env=env)
    assert pending.returncode == 0, pending.stdout + pending.stderr

    demo = _manage("demo_setup", "--url", "http://127.0.0.1:8000", env=env)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "reviewer" in demo.stdout.lower() and "password" in demo.stdout.lower(), demo.stdout


def test_the_analytics_refresh_runs_on_the_sqlite_database(tmp_path):
    env = _sqlite_env(tmp_path)
    assert _manage("migrate", "--noinput", env=env).returncode == 0
    script = (
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from liveness.cases.models import Case, Decision, Submission\n"
        "from liveness.checks.models import Check, Score\n"
        "from liveness.ops.analytics import analytics_refresh\n"
        "now = timezone.now()\n"
        "case = Case.objects.create(kind='selfie', state='approved')\n"
        "sub = Submission.objects.create(case=case, kind='selfie', source='test', created_at=now - timedelta(seconds=42))\n"
        "check = Check.objects.create(case=case, submission=sub, provider='local', operation='selfie_liveness',"
        " status='done', passed=True)\n"
        "Score.objects.create(check_run=check, metric='liveness', value=87.0, scale=100, threshold=60, passed=True)\n"
        "Decision.objects.create(case=case, outcome='approve', reason_code='ok', created_at=now)\n"
        "a = analytics_refresh(days=30)\n"
        "[h] = a.histograms\n"
        "print('times', a.decision_times['automatic'], 'bins', [b['n'] for b in h.bins])\n")
    ran = _manage("shell", "-c", script, env=env)

    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "times (42.0, 42.0, 1)" in ran.stdout, ran.stdout
    assert "bins " + str([0] * 17 + [1, 0, 0]) in ran.stdout, ran.stdout  # 87 of 100 in the 18th of 20 bins
