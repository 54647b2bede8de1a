"""Fixtures shared by every test area.

``celery_worker`` starts a real ``celery worker`` process against the test
PostgreSQL database and Redis, so pipeline tests exercise the same code path as
production: on_commit → Redis → worker process → database.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path_factory):
    """Keep every test's encrypted media out of the developer's var/ directory."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "private-media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters in the (per-process) cache: API throttles, invalid-key blocks. Every test starts
    at zero, or requests from 127.0.0.1 in one test would count against the next."""
    from django.core.cache import cache

    from liveness.web import shared_cache

    cache.clear()
    shared_cache.reset()
    yield
    cache.clear()
    shared_cache.reset()


def staff_login(client, user):
    """Sign ``user`` in on the test ``client`` as if both sign-in steps had passed: ``force_login``
    plus the session key ``django_otp.login`` writes, naming a real confirmed TOTP device
    (created if the user has none). Returns the device. Staff need this since the dashboard and
    admin require OTP verification (liveness.signin)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True))
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def totp_code(device, *, offset_steps: int = 0) -> str:
    """The code an authenticator app holding ``device``'s key shows now (or ``offset_steps`` away)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def totp_wrong_code(device) -> str:
    """A well-formed code the device refuses now (none of the codes within its tolerance)."""
    near = {totp_code(device, offset_steps=k) for k in range(-device.tolerance - 1, device.tolerance + 2)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444") if code not in near)


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's ``admin_client``, OTP-verified (the admin site requires the second factor)."""
    from django.test import Client

    client = Client()
    staff_login(client, admin_user)
    return client


@pytest.fixture(autouse=True)
def _outbox_relayed_in_process(monkeypatch):
    """After a case move commits, run the outbox relay here instead of sending its task to the
    broker: the same function a worker's ``outbox_relay_task`` runs, and, like a task, its failure
    is logged without reaching the code that moved the case. Tests of the relay's own transport
    (a real worker, a killed process) run in other processes, where this does not apply."""
    import logging

    from liveness.cases import outbox
    from liveness.partners.webhooks.relay import outbox_relay

    def relay_now():
        try:
            outbox_relay()
        except Exception:
            logging.getLogger("tests.outbox").exception("outbox relay failed")

    monkeypatch.setattr(outbox, "_relay_soon", relay_now)


@pytest.fixture(scope="session")
def _flushed_broker():
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    client.ping()
    client.flushdb()
    return client


@pytest.fixture
def celery_worker(transactional_db, settings, _flushed_broker):
    """A real worker process. Yields a function to start it with extra environment; ``queues``
    ("engine,vendor"; default: every queue), ``pool`` and ``concurrency`` shape the worker;
    ``steps`` are the command line's step switches (default: no gossip, no mingle, as tests need
    no cluster; tests/security/test_broker_outages.py runs the worker as deployed); ``include``
    adds task modules (tests/worker_probe.py). Its processes do not load the engine's models at
    start (KYC_ENGINE_WARM_UP=false, ~5 s each) unless a test sets KYC_ENGINE_WARM_UP."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("worker tests need PostgreSQL: run them through scripts/test (DATABASE_URL=postgres://...)")
    db = connection.settings_dict
    processes: list[subprocess.Popen] = []

    def start(*, queues: str | None = None, pool: str = "prefork", concurrency: int = 1,
              steps: tuple[str, ...] = ("--without-gossip", "--without-mingle"),
              include: tuple[str, ...] = (), **extra_env: str) -> subprocess.Popen:
        name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "KYC_CHECK_RETRY_DELAYS": "1,1",
            "KYC_ENGINE_WARM_UP": "false",
            **extra_env,
        }
        log = open(Path(settings.MEDIA_ROOT).parent / f"{name}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kyc_portal", "worker", "--pool", pool, "--concurrency", str(concurrency),
             "-n", name, *steps, "--loglevel", "INFO", *(["-Q", queues] if queues else []),
             *(["--include", ",".join(include)] if include else [])],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        processes.append(proc)
        _wait_for_worker(name, proc)
        proc.log_path = log.name  # type: ignore[attr-defined]
        return proc

    yield start
    for proc in processes:
        proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_for_worker(name: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    from kyc_portal.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited with {proc.returncode} before answering")
        if any(name in reply for reply in app.control.ping(timeout=0.5) or []):
            return
    pytest.fail(f"celery worker {name} did not answer within {timeout} s")


def wait_for(predicate, *, timeout: float = 60, interval: float = 0.2, message: str = "condition"):
    """Poll until ``predicate()`` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {message}")


def pytest_collection_modifyitems(config, items):
    """Mark each test unit | db | worker | browser | speech by what it needs (tests/markers.py)."""
    from tests import markers

    markers.apply(items)
