"""The outbox relay and the delivery tasks are registered in every worker process.

Checked in a fresh interpreter (this test process imports them through the test modules).
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from kyc_portal.celery import app
app.loader.import_default_modules()
print("relay" if "liveness.partners.tasks.outbox_relay_task" in app.tasks else "no-relay")
print("task" if "liveness.partners.tasks.webhook_deliver_task" in app.tasks else "no-task")
"""


def test_a_worker_process_has_the_webhook_receiver_and_tasks():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "PATH": "/usr/bin:/bin",
                                 "CELERY_BROKER_URL": "memory://"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["relay", "task"]
