"""Operations: the Prometheus endpoint, multi-process metrics, error tracking (docs/deploy.md,
"Metrics, logs and errors")."""
from __future__ import annotations

import os

from .base import KYC_ENV
from .env import fail, integer, integer_or_off, number, string
from .env import url as _url

KYC_METRICS_TOKEN = string(
    "KYC_METRICS_TOKEN", "", allowed="text (empty: /metrics answers 404)",
    doc="bearer token Prometheus sends to /metrics (Authorization: Bearer ...); unset, the endpoint does not exist")
KYC_METRICS_WORKER_TIMEOUT = number(
    "KYC_METRICS_WORKER_TIMEOUT", 1.0, low=0.1, high=10.0, unit="s",
    doc="how long a scrape waits for the Celery workers to say which queues they consume")
# prometheus-client reads the variable itself, when it is imported; declared here to document and check it.
PROMETHEUS_MULTIPROC_DIR = string(
    "PROMETHEUS_MULTIPROC_DIR", "", allowed="an existing, writable folder (empty: single process)",
    doc="where gunicorn and Celery prefork processes write their metric values; empty it at every start")
if PROMETHEUS_MULTIPROC_DIR and not (os.path.isdir(PROMETHEUS_MULTIPROC_DIR)
                                     and os.access(PROMETHEUS_MULTIPROC_DIR, os.W_OK)):
    fail(f"PROMETHEUS_MULTIPROC_DIR must be an existing, writable folder, got {PROMETHEUS_MULTIPROC_DIR!r}")

KYC_METRICS_PORT = integer_or_off(
    "KYC_METRICS_PORT", None, low=1024, high=65535,
    doc="a Celery worker's own metrics listener (its processes' values, multi-process); off: none")
KYC_METRICS_ADDRESS = string("KYC_METRICS_ADDRESS", "127.0.0.1", allowed="an IP address of this machine",
                             doc="where KYC_METRICS_PORT listens: a private address, never a public one")

SENTRY_DSN = _url("SENTRY_DSN", "", schemes=("http", "https"), what="a Sentry DSN", allow_empty=True,
                 doc="error tracking (sentry-sdk, Django and Celery integrations); empty: off")
SENTRY_ENVIRONMENT = string("SENTRY_ENVIRONMENT", KYC_ENV, doc="the environment events are filed under")
SENTRY_TRACES_SAMPLE_RATE = number("SENTRY_TRACES_SAMPLE_RATE", 0.0, low=0.0, high=1.0,
                                   doc="share of requests and tasks traced for performance (0: errors only)")

# The analytics page (/dashboard/analytics/).
KYC_REVIEW_QUEUE_TARGET_HOURS = integer(
    "KYC_REVIEW_QUEUE_TARGET_HOURS", 24, low=1, high=24 * 30, unit="hours",
    doc="service-level target: the longest a case should wait in manual review; the analytics page counts those past it")
KYC_ANALYTICS_CACHE_SECONDS = integer(
    "KYC_ANALYTICS_CACHE_SECONDS", 60, low=0, high=3600, unit="s",
    doc="how long the analytics page's aggregates are reused (0: computed on every request); the page shows their age")
if KYC_ANALYTICS_CACHE_SECONDS:
    from .pipeline import CELERY_BEAT_SCHEDULE as _BEAT

    # Refreshed at half their lifetime, so pages read kept numbers instead of running the queries.
    _BEAT["refresh-analytics"] = {"task": "liveness.ops.tasks.analytics_refresh",
                                  "schedule": max(5.0, KYC_ANALYTICS_CACHE_SECONDS / 2)}
