"""Capture-link tokens stay out of the development server's output too (SECURITY.md, "Logs carry no credentials").

With DEBUG on (scripts/run), Django's own default handlers - its console handler on the ``django`` logger and
runserver's access log on ``django.server`` - printed every 4xx path and every request line a second time,
unredacted, beside the project's redacting handler. Run in a fresh interpreter: logging is set up once per
process, from the environment's DEBUG.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "8d0f1c2e-aaaa-bbbb-cccc-1234567890ab:1xXhtr:SeCrEtSiGnAtUrE"

SCRIPT = f"""
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: %s", "/c/{TOKEN}/status/")
logging.getLogger("django.request").error("Internal Server Error: %s", "/c/{TOKEN}/upload/")
logging.getLogger("django.server").info('"%s" %s %s', "POST /c/{TOKEN}/upload/ HTTP/1.1", "400", "74")
"""


def test_development_logs_never_print_a_capture_token():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYC_")}
    env.update(DJANGO_SETTINGS_MODULE="kyc_portal.settings", DEBUG="true", KYC_ENV_FILE="")
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=90)
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert "SeCrEtSiGnAtUrE" not in output and TOKEN not in output, output
    for line in ("Not Found: /c/-/status/", "Internal Server Error: /c/-/upload/", '"POST /c/-/upload/ HTTP/1.1" 400'):
        assert output.count(line) == 1, (line, output)  # logged once, redacted
