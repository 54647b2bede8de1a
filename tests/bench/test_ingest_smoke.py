"""bench/ingest.py at a tiny size, so the benchmark cannot rot: the same code path as a full run
(its own database, gunicorn with deploy/gunicorn.conf.py and production settings, the partner API
and the bare baseline, every accepted upload's check queued on Redis)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.security.test_reliability_infra import PrivateRedis

pytestmark = pytest.mark.worker


@pytest.fixture
def private_redis(tmp_path):
    """The bench empties its Redis database and leaves checks queued there for ids of its own
    database: it gets a redis-server of its own, never the test session's broker."""
    server = PrivateRedis(tmp_path, persistent=False)
    server.start()
    yield server
    server.stop()


def test_ingest_bench_measures_both_endpoints(settings, tmp_path, private_redis):
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the ingest bench needs PostgreSQL: run through scripts/test (DATABASE_URL=postgres://...)")
    server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
    name = f"{db['NAME']}_ingest"[:60]
    out = tmp_path / "ingest.json"
    try:
        done = subprocess.run(
            [sys.executable, "bench/ingest.py", "--database-url", server, "--database", name,
             "--broker-url", private_redis.url, "--concurrency", "2", "--repeats", "1", "--seconds", "1",
             "--warmup", "0.5", "--workers", "2", "--json", str(out)],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    finally:
        import psycopg

        with psycopg.connect(server.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert "checks queued in Redis by the accepted uploads" in done.stdout
    figures = json.loads(out.read_text())
    assert figures["selfie_bytes"] > 250_000
    (row,) = figures["summary"]
    assert row["clients"] == 2
    for endpoint in ("api", "bare"):
        assert row[endpoint]["rps"] > 0 and row[endpoint]["p95_ms"] >= row[endpoint]["p50_ms"] > 0
        assert row[endpoint]["gunicorn_cpu_ms"] > 0
    # Validating, re-encoding and recording an upload costs more than only storing it.
    assert row["api"]["gunicorn_cpu_ms"] > row["bare"]["gunicorn_cpu_ms"]
    assert 0 < row["ratio"] < 1
