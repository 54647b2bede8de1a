"""The production web tier boots as deployed: gunicorn with deploy/gunicorn.conf.py and
KYC_ENV=production settings, against the test PostgreSQL, Redis and a real Celery worker.

(``manage.py check --deploy`` under the same settings is tests/web/test_csp.py.)
"""
from __future__ import annotations

import base64
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, wait_for

HOST = "kyc.example.test"
pytestmark = pytest.mark.worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, *, host: str = HOST, https: bool = True, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers={"Host": host, **({"X-Forwarded-Proto": "https"} if https else {}),
                                           **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture
def gunicorn(celery_worker, settings, tmp_path):
    """gunicorn -c deploy/gunicorn.conf.py kyc_portal.wsgi on a free loopback port, production settings."""
    from django.db import connection

    celery_worker()  # /healthz wants a live worker
    db = connection.settings_dict
    port = _free_port()
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("KYC_", "DJANGO_ALLOW_ASYNC", "GUNICORN_", "DEBUG"))}
    env = {
        **inherited,
        "KYC_ENV_FILE": "", "KYC_ENV": "production", "DJANGO_SETTINGS_MODULE": "kyc_portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MEDIA_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2",
    }
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "kyc_portal.wsgi"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def up():
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            return _get(port, "/api/v1/cases")[0] == 401
        except OSError:
            return False

    try:
        wait_for(up, timeout=60, message="gunicorn to answer")
        proc.port, proc.log_path = port, log_path
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_gunicorn_serves_production_settings_behind_a_tls_proxy(gunicorn):
    status, headers, body = _get(gunicorn.port, "/healthz")
    assert status == 200, body
    report = json.loads(body)
    assert report["status"] == "ok" and report["database"]["detail"] == "postgresql"
    assert report["workers"]["ok"]
    # The proxy said https (X-Forwarded-Proto): HSTS and secure cookies apply.
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")

    # Plain http (the proxy did not mark it https) is redirected to https: SECURE_SSL_REDIRECT.
    status, headers, _ = _get(gunicorn.port, "/healthz", https=False)
    assert status == 301 and headers["Location"] == f"https://{HOST}/healthz"

    # Any other Host is refused (ALLOWED_HOSTS).
    assert _get(gunicorn.port, "/healthz", host="evil.example")[0] == 400


def test_access_log_has_no_query_strings_capture_tokens_or_keys(gunicorn):
    token = "Zm9vYmFyLWNhc2UtdG9rZW4:1tSIGNATURExyz"
    _get(gunicorn.port, f"/c/{token}/status/")
    _get(gunicorn.port, "/api/v1/cases?reference=secret-ref-123",
         headers={"Authorization": "Bearer kyc_live_abcdef123456_supersecretvalue"})

    def logged():
        text = gunicorn.log_path.read_text(errors="replace")
        return text if '"GET /api/v1/cases HTTP/1.1" 401' in text and "/c/-/status/" in text else None

    text = wait_for(logged, timeout=10, message="the access log lines")
    assert token not in text and "SIGNATURE" not in text
    assert "secret-ref-123" not in text and "supersecretvalue" not in text
