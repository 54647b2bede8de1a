"""Ingest: concurrent partner uploads of a ~300 KB selfie through gunicorn on loopback (issue 9,
bench 1): requests/s, p50/p95 latency, and the ratio to a bare Django view that only stores the
same upload to disk.

One **request** is the partner's upload, ``POST /api/v1/cases/<id>/selfie`` (multipart, the
selfie as a file part, ``Authorization: Bearer``, a fresh ``Idempotency-Key`` as docs/api.md
asks), to a case opened beforehand through ``POST /api/v1/cases``; opening is not measured.
Everything the product does for it is on the clock: key authentication, throttle counter
(Redis cache), idempotency record, multipart parsing, image validation and re-encoding,
encryption, the file write, the rows (submission, check, audit, state change) and queueing the
check on Redis once committed (no worker consumes it; the bench checks every accepted upload left
its message in the ``engine`` queue). The **baseline** is ``POST /bench/bare-upload``
(bench/ingest_urls.py): the same multipart body, parsed by Django and written to disk by
``default_storage``, nothing else. Both are served by one gunicorn, started with
deploy/gunicorn.conf.py and production settings (``KYC_ENV=production``, DEBUG off, Redis
cache, PostgreSQL; the client sends ``X-Forwarded-Proto: https`` as nginx would, and
``SECURE_SSL_REDIRECT`` is off only so the harness's plain-http readiness probe works).

Load: a closed loop of N client threads, each with its own ``http.client`` connection (sync
workers close after each answer, so one TCP connect per request, as behind nginx), sending the
pre-built body for a fixed time. Runs alternate product / baseline; each (endpoint, N) is
repeated and the median of the repeats is printed, with gunicorn's CPU time per request (from
/proc, robust to other load on the machine). The client is one Python process on the same
2 cores: it costs a few percent of a core (printed as "bench" CPU).

    .venv/bin/python bench/ingest.py --quick                   # smoke run, ~1 min
    .venv/bin/python bench/ingest.py                           # 1, 4, 16 clients x 3 repeats, ~4 min
    .venv/bin/python bench/ingest.py --profile 200             # cProfile of the upload path, in-process

It creates (drops first) the database ``--database`` on the PostgreSQL server of
``--database-url`` and EMPTIES the Redis database of ``--broker-url``: give it one of its own.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _harness as h

PARTNER = "Ingest bench partner"
SELFIE = {"size": (1200, 1600), "quality": 95}  # 1200x1600 JPEG, ~306 KiB: a phone's front camera
BOUNDARY = "kycbench" + secrets.token_hex(8)
API_PATH = "/api/v1/cases/{}/selfie"
CONSENT = json.dumps({"notice_version": "bench"}).encode()
BARE_PATH = "/bench/bare-upload"


def selfie_bytes() -> bytes:
    from tests import mediagen

    return mediagen.selfie_jpeg(size=SELFIE["size"], quality=SELFIE["quality"])


def multipart(data: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"selfie\"; filename=\"selfie.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


class Connection:
    """One client's connection to gunicorn; reconnects when the server closed it."""

    def __init__(self, base_url: str, key: str) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.auth = f"Bearer {key}"

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        headers = {"Authorization": self.auth, "Content-Type": content_type, "X-Forwarded-Proto": "https",
                   "Idempotency-Key": str(uuid.uuid4())}
        try:
            self.conn.request("POST", path, body=body, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()  # a connection the server closed between requests: once more, fresh
            self.conn.request("POST", path, body=body, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, payload

    def close(self) -> None:
        self.conn.close()


def open_cases(base_url: str, key: str, count: int, *, clients: int = 4) -> list[str]:
    """Open ``count`` selfie cases through the API (not measured)."""
    ids: list[str] = []
    lock = threading.Lock()
    todo = iter(range(count))

    def client() -> None:
        conn = Connection(base_url, key)
        body = json.dumps({"kind": "selfie", "reference": "bench"}).encode()
        while True:
            with lock:
                if next(todo, None) is None:
                    break
            status, payload = conn.post("/api/v1/cases", body, "application/json")
            if status != 201:
                raise RuntimeError(f"opening a case answered {status}: {payload[:300]!r}")
            case_id = json.loads(payload)["id"]
            # uploads need the person's consent on record (docs/api.md, "Consent")
            status, payload = conn.post(f"/api/v1/cases/{case_id}/consent", CONSENT, "application/json")
            if status != 201:
                raise RuntimeError(f"recording consent answered {status}: {payload[:300]!r}")
            with lock:
                ids.append(case_id)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(ids) != count:
        raise RuntimeError(f"opened {len(ids)} of {count} cases")
    return ids


def load(base_url: str, key: str, *, body: bytes, paths: list[str] | None, concurrency: int,
         seconds: float) -> dict:
    """N closed-loop clients posting ``body`` until ``seconds`` have passed (or ``paths`` run out:
    each product upload needs its own case). Returns counts, elapsed time and latencies (ms)."""
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    lock = threading.Lock()
    pending = iter(paths) if paths is not None else None
    latencies: list[float] = []
    failures: list[str] = []
    ran_out = threading.Event()
    start = time.perf_counter()
    deadline = start + seconds
    last_done = [start]

    def client() -> None:
        conn = Connection(base_url, key)
        while time.perf_counter() < deadline:
            if pending is not None:
                with lock:
                    case_id = next(pending, None)
                if case_id is None:
                    ran_out.set()
                    break
                path = API_PATH.format(case_id)
            else:
                path = BARE_PATH
            sent = time.perf_counter()
            status, payload = conn.post(path, body, content_type)
            done = time.perf_counter()
            with lock:
                if status == 202:
                    latencies.append((done - sent) * 1000)
                else:
                    failures.append(f"{status} {payload[:200]!r}")
                last_done[0] = max(last_done[0], done)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = last_done[0] - start
    return {"ok": len(latencies), "failed": len(failures), "failures": failures[:5], "elapsed_s": elapsed,
            "rps": len(latencies) / elapsed if elapsed > 0 else 0.0, "latencies_ms": latencies,
            "ran_out_of_cases": ran_out.is_set()}


def queued_checks(broker_url: str) -> int:
    """Messages waiting in the ``engine`` queue (kombu's Redis transport keeps a list per queue)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    return sum(client.llen(name) for name in client.scan_iter("engine*") if client.type(name) == b"list")


def redis_flush(broker_url: str) -> None:
    import redis

    redis.Redis.from_url(broker_url).flushdb()


# --- profile of the upload path, in this process ----------------------------------------------------------

def profile_uploads(env: dict[str, str], key: str, n: int, body_jpeg: bytes, top: int, only: str = "") -> None:
    """cProfile ``n`` uploads through Django's test client (whole middleware + DRF stack, no WSGI
    server), with the same settings, database and Redis; prints the hottest functions and the
    database queries per upload."""
    import cProfile
    import io
    import pstats

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    ids = [client.post("/api/v1/cases", {"kind": "selfie", "reference": "profile"},
                       content_type="application/json").json()["id"] for _ in range(n + 6)]
    for case_id in ids:
        client.post(f"/api/v1/cases/{case_id}/consent", CONSENT, content_type="application/json")

    def upload(case_id: str):
        response = client.post(API_PATH.format(case_id), {"selfie": io.BytesIO(body_jpeg)},
                               HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
        assert response.status_code == 202, response.content
        return response

    for case_id in ids[:5]:  # warm: imports, connections, Pillow's codecs
        upload(case_id)
    with CaptureQueriesContext(connection) as queries:
        upload(ids[5])
    print(f"\n{len(queries)} SQL statements for one upload:")
    for query in queries.captured_queries:
        print("   ", query["sql"][:150])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for case_id in ids[6:]:
        upload(case_id)
    profiler.disable()
    count = n
    print(f"\n{count} uploads in {(time.perf_counter() - started) / count * 1000:.1f} ms each (under cProfile)")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(*((only,) if only else ()), top)
        print(f"\n--- by {order} ---\n" + out.getvalue().split("\n", 6)[-1])


# --- the run ------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="a PostgreSQL server (its database name is ignored)")
    parser.add_argument("--database", default="kyc_bench_ingest", help="created (dropped first) for the run")
    parser.add_argument("--private-postgres", action="store_true",
                        help="start a throwaway PostgreSQL cluster instead (its CPU is then counted too)")
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8"),
                        help="a Redis database of its own (EMPTIED); also the throttle cache")
    parser.add_argument("--concurrency", default="1,4,16", help="client counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: deploy/gunicorn.conf.py's, 2 x cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)")
    parser.add_argument("--quick", action="store_true", help="1 and 4 clients, 1 repeat, 4-s runs")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="instead of the load runs: cProfile N uploads in-process")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --profile")
    parser.add_argument("--profile-only", default="", metavar="REGEX",
                        help="--profile lists only functions whose file:line(name) matches, e.g. 'PIL|media'")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if args.quick:
        args.concurrency, args.repeats, args.seconds = "1,4", 1, 4.0
    levels = [int(x) for x in args.concurrency.split(",")]
    cores = len(os.sched_getaffinity(0))
    workers = args.workers or 2 * cores + 1

    jpeg = selfie_bytes()
    body = multipart(jpeg)
    print(f"selfie: {SELFIE['size'][0]}x{SELFIE['size'][1]} JPEG, {len(jpeg) / 1024:.0f} KiB; request body "
          f"{len(body) / 1024:.0f} KiB; {cores} cores; gunicorn {workers} workers x {args.threads} threads "
          f"({'gthread' if args.threads > 1 else 'sync'})", flush=True)

    with tempfile.TemporaryDirectory(prefix="kyc-bench-ingest-") as tmp, h.Services() as services:
        tmp_path = Path(tmp)
        watched: dict[str, h.Service] = {}
        if args.private_postgres:
            tmp_path.chmod(0o755)  # the server runs as the postgres user when we are root
            pg = services.add(h.postgres_private(workdir=tmp_path))
            server_url = pg.url
            watched["postgres"] = pg
        else:
            server_url = args.database_url
        db_url = h.database_recreate(server_url=server_url, name=args.database)
        redis_flush(args.broker_url)
        env = h.child_env(
            database_url=db_url, broker_url=args.broker_url, media_root=tmp_path / "media",
            DJANGO_SETTINGS_MODULE="bench.ingest_settings",
            KYC_ENV="production", SECRET_KEY=secrets.token_urlsafe(50),
            MEDIA_ENCRYPTION_KEYS="bench:" + base64.b64encode(os.urandom(32)).decode(),
            ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="false",
            CACHE_URL=args.broker_url, KYC_API_RATE="999999/min",
            GUNICORN_WORKERS=str(workers), GUNICORN_THREADS=str(args.threads),
            # No worker recycling during the runs: a recycled worker's CPU time would vanish from
            # the process tree and spoil the CPU-per-request figures.
            GUNICORN_MAX_REQUESTS="0",
        )
        h.migrate(env)
        key = h.partner_key_create(env, PARTNER)

        if args.profile:
            profile_uploads(env, key, args.profile, jpeg, args.top, args.profile_only)
            return 0

        web = services.add(h.gunicorn_start(env, log_dir=tmp_path, workers=workers, threads=args.threads,
                                            extra_args=("-c", "deploy/gunicorn.conf.py")))
        watched["gunicorn"] = web
        base = web.url

        # Warm-up at the highest concurrency (every worker imports Pillow, opens its connections);
        # its product rate sizes the pools of cases opened before each product run.
        warm_cases = open_cases(base, key, max(8, int(15 * args.warmup * max(levels))))
        warm = load(base, key, body=body, paths=warm_cases, concurrency=max(levels), seconds=args.warmup)
        load(base, key, body=body, paths=None, concurrency=max(levels), seconds=args.warmup)
        accepted = warm["ok"]
        rate_guess = {n: max(warm["rps"], 5.0) for n in levels}
        print(f"warm-up: {warm['rps']:.1f} uploads/s at {max(levels)} clients\n", flush=True)

        runs: list[dict] = []
        for n in levels:
            for repeat in range(args.repeats):
                order = ("api", "bare") if repeat % 2 == 0 else ("bare", "api")
                for endpoint in order:
                    paths = None
                    if endpoint == "api":
                        paths = open_cases(base, key, int(rate_guess[n] * args.seconds * 2.5) + 4 * n + 20)
                    before = h.cpu_seconds(watched)
                    result = load(base, key, body=body, paths=paths, concurrency=n, seconds=args.seconds)
                    after = h.cpu_seconds(watched)
                    if result["failed"]:
                        raise SystemExit(f"{endpoint} at {n} clients: {result['failed']} failed requests, e.g. "
                                         f"{result['failures']}\n{web.log_tail()}")
                    if endpoint == "api":
                        accepted += result["ok"]
                        rate_guess[n] = max(rate_guess[n], result["rps"])
                    cpu = {name: (after[name] - before[name]) * 1000 / max(result["ok"], 1) for name in after}
                    lat = h.summary(result["latencies_ms"])
                    runs.append({"endpoint": endpoint, "clients": n, "repeat": repeat, "requests": result["ok"],
                                 "elapsed_s": result["elapsed_s"], "rps": result["rps"], "p50_ms": lat["median"],
                                 "p95_ms": lat["p95"], "cpu_ms_per_request": cpu,
                                 "ran_out_of_cases": result["ran_out_of_cases"]})
                    print(f"  {endpoint:4} {n:3} clients  run {repeat + 1}: {result['ok']:5} in "
                          f"{result['elapsed_s']:5.1f} s = {result['rps']:7.1f}/s  p50 {lat['median']:7.1f} ms  "
                          f"p95 {lat['p95']:7.1f} ms  CPU/request: "
                          + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
                          + ("  (ran out of cases)" if result["ran_out_of_cases"] else ""), flush=True)

        queued = queued_checks(args.broker_url)
        print(f"\nchecks queued in Redis by the accepted uploads: {queued} (uploads accepted: {accepted})")
        if queued != accepted:
            raise SystemExit("every accepted upload should have queued exactly one check")

        print(f"\nmedians of {args.repeats} run(s) of {args.seconds:g} s; ratio = product / bare\n")
        header = (f"{'clients':>7}  {'product/s':>9}  {'p50 ms':>7}  {'p95 ms':>7}  {'CPU ms':>6}  |  "
                  f"{'bare/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  {'CPU ms':>6}  |  {'ratio':>5}")
        print(header + "\n" + "-" * len(header))
        summary = []
        for n in levels:
            row = {"clients": n}
            for endpoint in ("api", "bare"):
                mine = [r for r in runs if r["endpoint"] == endpoint and r["clients"] == n]
                row[endpoint] = {
                    "rps": statistics.median(r["rps"] for r in mine),
                    "p50_ms": statistics.median(r["p50_ms"] for r in mine),
                    "p95_ms": statistics.median(r["p95_ms"] for r in mine),
                    "gunicorn_cpu_ms": statistics.median(r["cpu_ms_per_request"]["gunicorn"] for r in mine),
                }
            row["ratio"] = row["api"]["rps"] / row["bare"]["rps"]
            summary.append(row)
            a, b = row["api"], row["bare"]
            print(f"{n:>7}  {a['rps']:>9.1f}  {a['p50_ms']:>7.1f}  {a['p95_ms']:>7.1f}  {a['gunicorn_cpu_ms']:>6.1f}  |  "
                  f"{b['rps']:>7.1f}  {b['p50_ms']:>7.1f}  {b['p95_ms']:>7.1f}  {b['gunicorn_cpu_ms']:>6.1f}  |  "
                  f"{row['ratio']:>5.2f}")
        print("\nCPU ms = gunicorn's CPU time (master + workers, user + system) per request.")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "selfie_bytes": len(jpeg), "body_bytes": len(body), "cores": cores, "workers": workers,
                "threads": args.threads, "seconds": args.seconds, "repeats": args.repeats,
                "summary": summary, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
