"""Gunicorn for the web tier (docs/deploy.md):  ``gunicorn -c deploy/gunicorn.conf.py kyc_portal.wsgi``

Gunicorn sits behind a reverse proxy on the same machine (deploy/nginx/kyc-portal.conf) that
terminates TLS and buffers whole request bodies before passing them on. That is why plain
``sync`` workers are enough: a worker never waits on a slow client's upload, only on its own
CPU (image validation and re-encoding), PostgreSQL and Redis. Every value can be overridden
with a ``GUNICORN_*`` variable, and command-line flags override this file.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from gunicorn.glogging import Logger

# The release directory as named (not resolved): started as
# ``-c /srv/kyc-portal/current/deploy/gunicorn.conf.py``, a reload (SIGHUP) after the ``current``
# symlink moved reads the new release's file and its workers import the new release's code.
ROOT = Path(__file__).absolute().parent.parent
chdir = str(ROOT)


def _load_redaction():
    """liveness/web/log_redaction.py, loaded by file path: importing the ``liveness`` package
    here would pin it (from this release) in the master, and every worker forked after a reload
    would inherit the old package."""
    spec = importlib.util.spec_from_file_location("_kyc_log_redaction", ROOT / "liveness/web/log_redaction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.redact


redact = _load_redaction()


def _int(name: str, default: int, low: int = 1, high: int = 10_000) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SystemExit(f"{name} must be between {low} and {high}, got {value}")
    return value


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# Loopback only: the proxy is the sole client, so nobody can reach gunicorn with forged
# X-Forwarded-* headers. Behind a proxy on another machine, bind a private address and list that
# proxy in GUNICORN_FORWARDED_ALLOW_IPS (and KYC_TRUSTED_PROXY_COUNT for client addresses).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes: the upload path is CPU-bound (Pillow decodes and re-encodes every image), so the
# sync default is 2 per core plus one, which keeps a core busy while another process waits on
# PostgreSQL. GUNICORN_THREADS > 1 switches to gthread (threads share a process's GIL: it only
# helps when requests mostly wait). bench/ingest.py measures both (docs/performance.md, Ingest).
workers = _int("GUNICORN_WORKERS", 2 * _cores() + 1, high=256)
threads = _int("GUNICORN_THREADS", 1, high=64)
worker_class = "gthread" if threads > 1 else "sync"

# A request (a 20 MB video probed and stored, the largest work the web tier does) takes a few
# seconds at most; a worker silent for this long is killed and replaced. The proxy's
# proxy_read_timeout must be longer.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM / SIGHUP, in-flight requests get this long to finish (zero-downtime restarts).
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Keep-alive with the proxy's upstream pool (nginx keepalive 32): shorter than nginx's own.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Workers are recycled now and then: image and video decoding fragment the heap over time.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000, low=0, high=10_000_000)
max_requests_jitter = max_requests // 10
# The heartbeat file on tmpfs: a worker blocked on a slow disk is not mistaken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Request heads: bodies are limited by Django (DATA_UPLOAD_MAX_MEMORY_SIZE, KYC_MAX_*_BYTES) and
# the proxy (client_max_body_size); these bound what is parsed before Django sees anything.
limit_request_line = 4094  # longest URL: capture links carry a ~100-character signed token
limit_request_fields = 50
limit_request_field_size = 8190

# X-Forwarded-Proto / -For are believed only from these addresses (the proxy). Django decides
# "https" from SECURE_PROXY_SSL_HEADER, which the proxy must always overwrite.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Not preloaded: a SIGHUP then starts new workers that import the new code (zero-downtime
# deploys, docs/deploy.md), and no database connection can leak across fork.
preload_app = False

# --- logs ------------------------------------------------------------------------------------
# To stdout/stderr: systemd's journal (or the container runtime) collects them.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path only (%(U)s), never the query string or headers (Authorization carries API keys),
# and capture-link tokens cut out of the path (liveness/web/log_redaction.py): a log line
# must not be a way into a case. Django's own log lines go through the same redaction.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

class RedactingLogger(Logger):
    """Gunicorn's logger with the capture token removed from every access-log atom naming the URL."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact(atoms.get("U") or "")
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {atoms['U']} {environ.get('SERVER_PROTOCOL')}"
        atoms["q"] = "-"
        return atoms


logger_class = RedactingLogger


# --- metrics (liveness/ops/metrics.py, docs/deploy.md "Metrics, logs and errors") ---------------
# With PROMETHEUS_MULTIPROC_DIR set, every worker writes its metric values to files there and
# /metrics sums them. When the master starts, the files of processes no longer running are
# removed (values of a previous run would be counted again; a live process's file is never
# touched) and a worker that exits is marked dead (its live gauges dropped).
def _load_multiproc_files():
    """liveness/ops/multiproc_files.py, loaded by file path like the redaction above."""
    spec = importlib.util.spec_from_file_location("_kyc_multiproc_files", ROOT / "liveness/ops/multiproc_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_multiproc_files = _load_multiproc_files()


def on_starting(server):
    _multiproc_files.stale_files_remove(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
