"""A pytest plugin loaded first (pytest.ini ``-p tests.metrics_dir``): metrics in prometheus-client's
multi-process mode, as under gunicorn and Celery prefork. This process and the worker processes
it starts write to one fresh folder and /metrics sums them (liveness/ops/metrics.py). It must run
before pytest-django loads the settings, which import prometheus-client, which reads the
variable once, on import."""
from __future__ import annotations

import os
import tempfile

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kyc-test-metrics-")
