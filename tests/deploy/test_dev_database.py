"""``scripts/run`` on a fresh clone: the development database is SQLite under ``var/`` (README,
"Run it"). Every migration must apply to it and the demo reviewer must be created, or the front
door fails before the portal starts (it did once: a PostgreSQL-only index migration)."""
from __future__ import annotations

import base64
import os
import subprocess
import sys

from tests.conftest import ROOT


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_every_migration_applies_to_a_fresh_sqlite_database_and_the_demo_reviewer_is_printed(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KYC_", "DJANGO_SETTINGS"))}
    env.update({
        "KYC_ENV_FILE": "", "DJANGO_SETTINGS_MODULE": "kyc_portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media"),
        "SECRET_KEY": base64.b64encode(os.urandom(40)).decode(),
        "MEDIA_ENCRYPTION_KEYS": "dev1:" + base64.b64encode(os.urandom(32)).decode(),
    })

    migrated = _manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    pending = _manage("migrate", "--check", env=env)
    assert pending.returncode == 0, pending.stdout + pending.stderr

    demo = _manage("demo_setup", "--url", "http://127.0.0.1:8000", env=env)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "reviewer" in demo.stdout.lower() and "password" in demo.stdout.lower(), demo.stdout
