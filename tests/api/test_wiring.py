"""The webhook receiver and the delivery tasks are loaded by the app itself, in every process.

Checked in a fresh interpreter (this test process imports them through the test modules).
Needs ``from .api import receivers, tasks  # noqa: F401`` in ``LivenessConfig.ready``.
"""
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from kyc_portal.celery import app
from liveness.signals import case_state_changed
app.loader.import_default_modules()
receivers = [str(key) for key, *_ in case_state_changed.receivers]
print("receiver" if any("case_state_changed_webhooks" in r for r in receivers) else "no-receiver")
print("task" if "liveness.api.tasks.webhook_deliver_task" in app.tasks else "no-task")
"""


def test_a_worker_process_has_the_webhook_receiver_and_tasks():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"DJANGO_SETTINGS_MODULE": "kyc_portal.settings", "PATH": "/usr/bin:/bin",
                                 "CELERY_BROKER_URL": "memory://"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["receiver", "task"]
