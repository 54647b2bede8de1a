"""The check pipeline end to end, as deployed: what the portal adds to a vendor's answer time,
how much of a vendor quota it uses, and what another worker process buys (issue 9, benches 2-4).

Everything runs as separate processes, as in production (docs/scaling.md): gunicorn with
deploy/gunicorn.conf.py (the partner API), Celery workers for the ``vendor`` queue (threads pool)
and one for the ``default`` queue (prefork; webhook deliveries), the vendor sandbox
(``manage.py vendor_sandbox``) answering YouTu ``/face/livedetectpicture`` with a canned live
score after a FIXED time (fault kind ``fixed``: no engine, so its CPU does not compete with the
portal's), PostgreSQL and Redis. The bench process plays the partner: it opens a case, uploads a
selfie (600x800 JPEG, 80 kB) through the API, and runs the partner's webhook receiver, which
timestamps each delivery as it arrives.

* ``overhead``: closed loop, N partner clients each running cases back to back (open, upload,
  wait for the webhook), N = 1, 20, 100. End to end = upload sent -> first webhook of the case
  received; overhead = end to end - the vendor's fixed time. Each stage's share comes from the
  rows' own timestamps (docs/performance.md).
* ``quota``: the sandbox allows Q calls/s (token bucket, small burst) and the portal's limiter is
  set to the same Q. A burst of checks is queued while no worker runs, then the workers start:
  achieved rate = checks the vendor answered per second / Q, and the rate-limit answers the
  sandbox gave and the Attempt rows recorded (YouTu code 15).
* ``--workers 1,2,4``: both, at each number of vendor worker processes (same threads per process).

    .venv/bin/python bench/pipeline.py --quick                 # smoke run, < 1 min
    .venv/bin/python bench/pipeline.py                         # full run, ~11 min on 2 cores
    .venv/bin/python bench/pipeline.py --private-postgres --broker-url redis://127.0.0.1:6379/7 \\
        --json var/bench-pipeline.json

It creates (drops first) the database ``--database`` on the PostgreSQL server of
``--database-url``, and needs workers x (threads + 2) + web workers + a few connections there
(each worker thread keeps its own connection):
``--private-postgres`` starts a throwaway cluster instead (initdb; run as root it runs as the
``postgres`` user). It uses the Redis database of ``--broker-url`` (give it one of its own) and
resets the limiter's key for the bench provider there.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _harness as h  # noqa: E402

PROVIDER = "youtu_legacy"
ENDPOINT = "/face/livedetectpicture"
PARTNER = "Bench partner"
YOUTU = {"YOUTU_APPID": "1250000777", "YOUTU_SECRET_ID": "AKIDbenchPipeline0000000000000000000",
         "YOUTU_SECRET_KEY": "benchPipelineSecretKey0000000000"}
FINAL_STATES = {"approved", "rejected", "manual_review", "retake_requested"}
#: The portal's limiter in the overhead runs: far above any rate reached, so it is on the path
#: (one Redis script per check) without spacing calls.
UNLIMITED_RATE = "10000/s"


@dataclass
class Config:
    modes: tuple[str, ...] = ("overhead", "quota")
    workers: tuple[int, ...] = (1, 2, 4)
    threads: int = 20
    default_concurrency: int = 2  # the worker of the "default" and "webhooks" queues (see workers_start)
    default_pool: str = "prefork"
    concurrency: tuple[int, ...] = (1, 20, 100)
    cases_per_client: dict[int, int] = field(default_factory=lambda: {1: 30, 20: 8, 100: 3})
    repeats: int = 3
    warmup: int = 20
    vendor_ms: int = 200
    quota: float = 20.0
    burst: float = 2.0
    #: KYC_RATE_LIMIT_<PROVIDER> as a fraction of the vendor's quota Q. Exactly Q leaves the vendor's
    #: bucket no drift to absorb scheduling jitter (docs/performance.md); 0.95 Q keeps it topped up.
    limiter_fraction: float = 0.95
    quota_checks: int = 1000
    upload_clients: int = 8
    web_workers: int | None = None  # None: deploy/gunicorn.conf.py's default (2 x cores + 1)
    result_timeout: float = 180.0
    database_url: str = "postgres://postgres@127.0.0.1:5432/postgres"  # the server; --database is created
    database: str = "kyc_bench_pipeline"
    create_database: bool = True
    broker_url: str = "redis://127.0.0.1:6379/13"
    private_postgres: bool = False
    log_dir: str = ""
    verbose: bool = True
    #: Renice the sandbox (the vendor) and this process (the partner: client and webhook receiver) to
    #: -10 when allowed: on a busy machine their delays would otherwise be counted as the portal's.
    #: The portal's processes always run at normal priority.
    prioritise_external: bool = True


QUICK = dict(workers=(1,), threads=8, default_concurrency=1, concurrency=(1, 4), cases_per_client={1: 5, 4: 3}, repeats=1, warmup=4,
             quota_checks=60, web_workers=2)


def say(config: Config, text: str) -> None:
    if config.verbose:
        print(text, flush=True)


# --- the partner's side: API client and webhook receiver ------------------------------------

class Receiver:
    """The partner's webhook endpoint: verifies signatures and timestamps the first delivery per case
    that reports the checks done (a case leaving ``processing``), on arrival, before answering."""

    def __init__(self) -> None:
        self.secret = ""
        self.first: dict[str, tuple[float, str, str]] = {}  # case id -> (time, event, state)
        self.deliveries = 0
        self.bad_signatures = 0
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.record(arrived, body, self.headers)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kyc-hook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def record(self, arrived: float, body: bytes, headers) -> None:
        from liveness.partners.webhooks.wire import signature_verify

        ok = signature_verify(secret=self.secret, timestamp=headers.get("X-KYC-Timestamp", ""), body=body,
                              signature=headers.get("X-KYC-Signature", ""))
        payload = json.loads(body)
        with self._cond:
            self.deliveries += 1
            if not ok:
                self.bad_signatures += 1
                return
            if payload["state"] in FINAL_STATES and payload["case_id"] not in self.first:
                self.first[payload["case_id"]] = (arrived, payload["event"], payload["state"])
                self._cond.notify_all()

    def wait(self, case_id: str, timeout: float) -> tuple[float, str, str] | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while case_id not in self.first:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            return self.first[case_id]

    def count(self, case_ids: list[str]) -> int:
        with self._cond:
            return sum(1 for case_id in case_ids if case_id in self.first)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class CaseRun:
    case_id: str = ""
    opened: float = 0.0  # POST /cases sent
    upload_sent: float = 0.0  # POST /selfie sent
    upload_answered: float = 0.0  # its 202 received
    result: float = 0.0  # first final webhook received
    state: str = ""
    error: str = ""

    @property
    def end_to_end_ms(self) -> float:
        return (self.result - self.upload_sent) * 1000


class Partner:
    def __init__(self, base_url: str, key: str, selfie: bytes) -> None:
        import requests

        self.base_url, self.selfie = base_url, selfie
        self.headers = {"Authorization": f"Bearer {key}"}
        self._local = threading.local()
        self._requests = requests

    def _session(self):
        if not hasattr(self._local, "session"):
            self._local.session = self._requests.Session()
        return self._local.session

    def open_and_upload(self, reference: str) -> CaseRun:
        run = CaseRun(opened=time.time())
        session = self._session()
        response = session.post(f"{self.base_url}/api/v1/cases", json={"kind": "selfie", "reference": reference},
                                headers=self.headers, timeout=60)
        if response.status_code != 201:
            run.error = f"open: HTTP {response.status_code} {response.text[:200]}"
            return run
        run.case_id = response.json()["id"]
        response = session.post(f"{self.base_url}/api/v1/cases/{run.case_id}/consent", headers=self.headers,
                                json={"notice_version": "bench"}, timeout=60)
        if response.status_code != 201:
            run.error = f"consent: HTTP {response.status_code} {response.text[:200]}"
            return run
        run.upload_sent = time.time()
        response = session.post(f"{self.base_url}/api/v1/cases/{run.case_id}/selfie", headers=self.headers,
                                files={"selfie": ("selfie.jpg", self.selfie, "image/jpeg")}, timeout=60)
        run.upload_answered = time.time()
        if response.status_code != 202:
            run.error = f"upload: HTTP {response.status_code} {response.text[:200]}"
        return run


def run_clients(partner: Partner, receiver: Receiver, *, clients: int, per_client: int, tag: str,
                timeout: float) -> tuple[list[CaseRun], float]:
    """Closed loop: ``clients`` threads, each running ``per_client`` cases back to back. Returns the
    runs and the wall time from the first request to the last result."""
    runs: list[CaseRun] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        start.wait()
        for k in range(per_client):
            run = partner.open_and_upload(f"bench-{tag}-{index}-{k}")
            if not run.error:
                arrival = receiver.wait(run.case_id, timeout)
                if arrival is None:
                    run.error = f"no result webhook within {timeout:g} s"
                else:
                    run.result, _, run.state = arrival
            with lock:
                runs.append(run)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.time()
    for thread in threads:
        thread.join()
    return runs, time.time() - began


# --- where the time goes: the rows' own timestamps -----------------------------------------------

STAGES = (
    ("web", "upload sent -> check row written (validate, re-encode, encrypt, store)"),
    ("queue", "check written -> attempt started (commit, Redis, worker pickup, limiter, claim)"),
    ("call", "attempt started -> answer recorded, minus the vendor's fixed time (decrypt, sign, HTTP)"),
    ("record", "attempt finished -> case final (scores, audit, decision)"),
    ("emit", "case final -> webhook delivery row (commit, on_commit, delivery rows)"),
    ("deliver", "delivery row -> webhook received (Redis, worker pickup, claim, POST)"),
)


def stage_breakdown(runs: list[CaseRun], vendor_ms: int) -> dict:
    """Per-case stage durations (ms) from Check / Attempt / Case / WebhookDelivery timestamps."""
    from liveness.cases.models import Case
    from liveness.checks.models import Attempt, Check
    from liveness.partners.models import WebhookDelivery

    done = {run.case_id: run for run in runs if not run.error}
    if not done:
        return {"stages": {}, "retried": 0}
    cases = {str(c["public_id"]): c for c in Case.objects.filter(public_id__in=list(done))
             .values("id", "public_id", "state_changed_at")}
    by_pk = {c["id"]: key for key, c in cases.items()}
    checks = {c["case_id"]: c for c in Check.objects.filter(case_id__in=list(by_pk)).values("id", "case_id", "created_at")}
    attempts: dict[int, list[dict]] = {}
    for row in Attempt.objects.filter(check_run_id__in=[c["id"] for c in checks.values()]).values(
            "check_run_id", "number", "started_at", "finished_at").order_by("number"):
        attempts.setdefault(row["check_run_id"], []).append(row)
    deliveries: dict[int, object] = {}
    for row in WebhookDelivery.objects.filter(case_id__in=list(by_pk)).values("case_id", "created_at"):
        first = deliveries.get(row["case_id"])
        deliveries[row["case_id"]] = row["created_at"] if first is None else min(first, row["created_at"])
    stages: dict[str, list[float]] = {name: [] for name, _ in STAGES}
    retried = 0
    for pk, key in by_pk.items():
        run, check = done[key], checks.get(pk)
        rows = attempts.get(check["id"], []) if check else []
        if not rows or pk not in deliveries or not rows[-1]["finished_at"]:
            continue
        if len(rows) > 1:
            retried += 1
            continue  # a retried check waited out a retry delay: not the pipeline's cost
        first, final = rows[0], rows[-1]
        points = [run.upload_sent, check["created_at"].timestamp(), first["started_at"].timestamp(),
                  final["finished_at"].timestamp(), cases[key]["state_changed_at"].timestamp(),
                  deliveries[pk].timestamp(), run.result]
        spans = [(b - a) * 1000 for a, b in zip(points, points[1:])]
        spans[2] -= vendor_ms
        for (name, _), value in zip(STAGES, spans):
            stages[name].append(value)
    return {"stages": {name: h.summary(values) for name, values in stages.items()}, "retried": retried}


# --- runs ----------------------------------------------------------------------------------------

@dataclass
class Stack:
    """What every run shares: processes, partner, receiver, configuration."""

    config: Config
    services: h.Services
    env: dict[str, str]
    web: h.Service
    sandbox: h.Service
    partner: Partner
    receiver: Receiver
    log_dir: Path
    postgres: h.Service | None = None
    workers: list[h.Service] = field(default_factory=list)
    default_worker: h.Service | None = None

    def sandbox_control(self, method: str, path: str, body=None):
        import requests

        response = requests.request(method, f"{self.sandbox.url}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def workers_start(self, count: int, *, rate: str, tag: str) -> None:
        """``count`` vendor workers (threads pool) and one worker for the default and webhooks queues
        (docs/scaling.md runs a threads-pool worker for webhooks; one process less here, on 2 cores,
        and the figures stay comparable with the runs before the webhooks queue)."""
        env = {**self.env, f"KYC_RATE_LIMIT_{PROVIDER.upper()}": rate}
        loglevel = os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING")
        for index in range(count):
            self.workers.append(self.services.add(h.celery_worker_start(
                env, name=f"bench-{tag}-vendor{index + 1}", log_dir=self.log_dir, queues="vendor", pool="threads",
                concurrency=self.config.threads, loglevel=loglevel, wait=False)))
        self.default_worker = self.services.add(h.celery_worker_start(
            env, name=f"bench-{tag}-default", log_dir=self.log_dir, queues="default,webhooks", pool=self.config.default_pool,
            concurrency=self.config.default_concurrency, loglevel=loglevel, wait=False))
        h.celery_workers_wait(env["CELERY_BROKER_URL"], [*self.workers, self.default_worker])

    def workers_stop(self) -> None:
        for worker in [*self.workers, self.default_worker]:
            if worker is not None:
                self.services.stop(worker)
        self.workers, self.default_worker = [], None

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far per role (PostgreSQL only when the bench runs its own cluster)."""
        named = {"web": self.web, "sandbox": self.sandbox}
        named.update({f"vendor{i}": w for i, w in enumerate(self.workers)})
        if self.default_worker is not None:
            named["default"] = self.default_worker
        if self.postgres is not None:
            named["postgres"] = self.postgres
        used = h.cpu_seconds(named)
        return {"web": used["web"], "vendor_workers": sum(v for k, v in used.items() if k.startswith("vendor")),
                "default_worker": used.get("default", 0.0), "postgres": used.get("postgres", math.nan),
                "sandbox": used["sandbox"], "bench": used["bench"]}


def db_sessions() -> int:
    """Database sessions opened so far (PostgreSQL 14+ statistics; counted when a session ends)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def limiter_reset(broker_url: str) -> None:
    import redis

    from liveness.checks.pacing import RateLimiter

    RateLimiter(redis.Redis.from_url(broker_url)).reset(PROVIDER)


def overhead_runs(stack: Stack, workers: int) -> dict:
    config = stack.config
    stack.sandbox_control("POST", "reset")
    stack.sandbox_control("POST", "faults", {"match": ENDPOINT, "kind": "fixed", "ms": config.vendor_ms})
    limiter_reset(config.broker_url)
    stack.workers_start(workers, rate=UNLIMITED_RATE, tag=f"o{workers}")
    warm, _ = run_clients(stack.partner, stack.receiver, clients=min(config.warmup, 10),
                          per_client=max(1, config.warmup // 10), tag=f"warm-{workers}-{uuid.uuid4().hex[:6]}",
                          timeout=config.result_timeout)
    failed = [r.error for r in warm if r.error]
    if failed:
        raise RuntimeError(f"warm-up cases failed: {failed[:3]}")
    levels = {}
    for clients in config.concurrency:
        per_client = config.cases_per_client.get(clients, 3)
        runs: list[CaseRun] = []
        walls, rounds = [], []
        cpu_before, sessions_before = stack.cpu(), db_sessions()
        for repeat in range(config.repeats):
            batch, wall = run_clients(stack.partner, stack.receiver, clients=clients, per_client=per_client,
                                      tag=f"w{workers}-c{clients}-r{repeat}-{uuid.uuid4().hex[:6]}",
                                      timeout=config.result_timeout)
            runs += batch
            walls.append(wall)
            ok = [r for r in batch if not r.error]
            rounds.append(h.summary([r.end_to_end_ms - config.vendor_ms for r in ok])["p95"])
        cpu_after, sessions_after = stack.cpu(), db_sessions()
        ok = [r for r in runs if not r.error]
        e2e = [r.end_to_end_ms for r in ok]
        overhead = [v - config.vendor_ms for v in e2e]
        upload = [(r.upload_answered - r.upload_sent) * 1000 for r in ok]
        cpu_ms = {k: (cpu_after[k] - cpu_before[k]) * 1000 / max(1, len(ok)) for k in cpu_after}
        levels[clients] = {
            "clients": clients, "cases": len(runs), "errors": [r.error for r in runs if r.error][:5],
            "load_average_1min": os.getloadavg()[0],
            "error_count": sum(1 for r in runs if r.error),
            "states": {s: sum(1 for r in ok if r.state == s) for s in sorted({r.state for r in ok})},
            "end_to_end_ms": h.summary(e2e), "overhead_ms": h.summary(overhead),
            "overhead_p95_per_repeat_ms": rounds, "upload_ms": h.summary(upload),
            "throughput_cases_per_s": len(ok) / sum(walls) if walls else math.nan,
            "cpu_ms_per_case": cpu_ms, "db_sessions_per_case": (sessions_after - sessions_before) / max(1, len(ok)),
            **stage_breakdown(ok, config.vendor_ms),
        }
        report_overhead_level(config, workers, levels[clients])
    stack.workers_stop()
    return levels


def quota_run(stack: Stack, workers: int) -> dict:
    """A burst of checks queued with no worker running, then drained by ``workers`` processes."""
    from liveness.cases.models import Case
    from liveness.checks.models import Attempt
    from liveness.jobs.models import AttemptOutcome

    config = stack.config
    stack.sandbox_control("POST", "reset")
    limiter_reset(config.broker_url)
    tag = f"q{workers}-{uuid.uuid4().hex[:6]}"
    count = config.quota_checks
    say(config, f"  quota, {workers} worker(s): uploading {count} selfies with no worker running ...")
    queue = list(range(count))
    lock = threading.Lock()
    uploaded: list[CaseRun] = []

    def uploader() -> None:
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            run = stack.partner.open_and_upload(f"bench-{tag}-{index}")
            with lock:
                uploaded.append(run)

    started = time.time()
    threads = [threading.Thread(target=uploader, daemon=True) for _ in range(config.upload_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    upload_wall = time.time() - started
    failed = [r.error for r in uploaded if r.error]
    if failed:
        raise RuntimeError(f"{len(failed)} uploads failed, e.g. {failed[:3]}")
    case_ids = [r.case_id for r in uploaded]
    stack.sandbox_control("POST", "faults", [
        {"match": ENDPOINT, "kind": "quota", "per_second": config.quota, "burst": config.burst},
        {"match": ENDPOINT, "kind": "fixed", "ms": config.vendor_ms},
    ])
    say(config, f"  ... {count} uploaded in {upload_wall:.1f} s ({count / upload_wall:.1f}/s); "
                f"starting {workers} worker(s) limited to {config.quota * config.limiter_fraction:g}/s")
    began = time.time()
    stack.workers_start(workers, rate=f"{config.quota * config.limiter_fraction:g}/s", tag=tag)
    ideal = count / config.quota
    # room for the retry schedule (5 + 30 + 120 s) should the vendor refuse some calls
    deadline = time.monotonic() + ideal * 3 + 240
    while stack.receiver.count(case_ids) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    done = stack.receiver.count(case_ids)
    log = stack.sandbox_control("GET", "calls?recent=1000")
    calls = log["endpoints"].get(ENDPOINT, {})
    vendor_seen = sorted((c["time"], c["outcome"]) for c in log["calls"] if c["endpoint"] == ENDPOINT)
    case_pks = list(Case.objects.filter(public_id__in=case_ids).values_list("pk", flat=True))
    attempts = list(Attempt.objects.filter(check_run__case_id__in=case_pks).values(
        "number", "outcome", "error_code", "error_vendor", "started_at", "finished_at"))
    # The rate while the burst lasted: first attempts only; an attempt retried after a rate-limit
    # answer waits out KYC_CHECK_RETRY_DELAYS (5 s), which shows in drain_s, not here.
    answered = sorted(a["finished_at"].timestamp() for a in attempts
                      if a["outcome"] == AttemptOutcome.ANSWERED and a["number"] == 1)
    first_call = min((a["started_at"].timestamp() for a in attempts), default=math.nan)
    last_result = max((arrival[0] for c in case_ids if (arrival := stack.receiver.wait(c, 0))), default=math.nan)
    drained = last_result - first_call  # first vendor call -> last result webhook
    startup = first_call - began
    window = answered[-1] - answered[0] if len(answered) > 1 else math.nan
    achieved = (len(answered) - 1) / window if window and window > 0 else math.nan
    # Pacing as the vendor saw it: gaps between consecutive arrivals. Requests left 1/Q apart, so a
    # gap under half of that means two arrived together (what a vendor with little burst refuses).
    arrivals = [t for t, _ in vendor_seen]
    gaps_ms = sorted((b - a) * 1000 for a, b in zip(arrivals, arrivals[1:]))
    bunched = sum(1 for gap in gaps_ms if gap < 500 / config.quota)
    states: dict[str, int] = {}
    for state in Case.objects.filter(pk__in=case_pks).values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    stack.workers_stop()
    result = {
        "workers": workers, "checks": count, "completed": done, "quota_per_s": config.quota,
        "limiter_per_s": config.quota * config.limiter_fraction,
        "burst": config.burst, "upload_s": upload_wall, "worker_startup_s": startup, "drain_s": drained,
        "ideal_s": ideal,
        "achieved_per_s": achieved, "achieved_fraction": achieved / config.quota,
        "vendor_answers": calls.get("outcomes", {}).get("fixed", 0),
        "vendor_rate_limited": calls.get("outcomes", {}).get("quota", 0),
        "attempts": len(attempts), "retried_checks": sum(1 for a in attempts if a["number"] == 2),
        "attempts_rate_limited": sum(1 for a in attempts if a["error_vendor"] == "youtu" and a["error_code"] == "15"),
        "bunched_arrivals": bunched,
        "arrival_gap_ms": {"p1": h.percentile(gaps_ms, 1), "p5": h.percentile(gaps_ms, 5),
                           "median": h.percentile(gaps_ms, 50)} if gaps_ms else {},
        "case_states": states,
        # for diagnosis: when the vendor saw each call (sandbox clock) and when the portal claimed it
        "timeline": {"vendor": vendor_seen, "attempts": sorted(
            (a["started_at"].timestamp(), a["number"], a["error_code"]) for a in attempts)},
    }
    say(config, f"  quota {workers}w: {done}/{count} results {drained:.1f} s after the first call (ideal {ideal:.1f} s; "
                f"workers up in {startup:.1f} s, {result['retried_checks']} checks retried); achieved "
                f"{achieved:.2f}/s = {result['achieved_fraction']:.3f} x Q; rate-limit answers: sandbox "
                f"{result['vendor_rate_limited']}, attempts {result['attempts_rate_limited']}; arrivals under "
                f"{500 / config.quota:.0f} ms apart: {bunched}; states {states}")
    return result


# --- reporting ----------------------------------------------------------------------------------

def _f(value: float, digits: int = 0) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def report_overhead_level(config: Config, workers: int, level: dict) -> None:
    o, e = level["overhead_ms"], level["end_to_end_ms"]
    stages = level["stages"]
    cpu = level["cpu_ms_per_case"]
    say(config, f"  overhead {workers}w x {config.threads}t, {level['clients']:>3} clients: {level['cases']} cases, "
                f"{level['error_count']} errors, {_f(level['throughput_cases_per_s'], 1)} cases/s | end to end median "
                f"{_f(e['median'])} ms p95 {_f(e['p95'])} | overhead median {_f(o['median'])} ms p95 {_f(o['p95'])} "
                f"(per repeat p95 {', '.join(_f(v) for v in level['overhead_p95_per_repeat_ms'])}); "
                f"load average {level['load_average_1min']:.1f}")
    say(config, "      stage medians (ms): " + ", ".join(f"{name} {_f(s['median'], 1)}" for name, s in stages.items())
        + f" | retried {level['retried']} | CPU ms/case: " + ", ".join(f"{k} {_f(v, 1)}" for k, v in cpu.items())
        + f" | new DB sessions/case {_f(level['db_sessions_per_case'], 2)}")


def report(config: Config, results: dict) -> None:
    print("\n== pipeline overhead (ms; vendor answers in a fixed "
          f"{config.vendor_ms} ms; overhead = end to end - {config.vendor_ms}) ==")
    print(f"{'workers':>7} {'clients':>7} {'cases':>5} {'err':>3} {'cases/s':>7} {'e2e med':>7} {'e2e p95':>7} "
          f"{'ovh med':>7} {'ovh p95':>7}  " + " ".join(f"{name:>7}" for name, _ in STAGES))
    for workers, levels in results.get("overhead", {}).items():
        for clients, level in levels.items():
            stages = level["stages"]
            print(f"{workers:>7} {clients:>7} {level['cases']:>5} {level['error_count']:>3} "
                  f"{_f(level['throughput_cases_per_s'], 1):>7} {_f(level['end_to_end_ms']['median']):>7} "
                  f"{_f(level['end_to_end_ms']['p95']):>7} {_f(level['overhead_ms']['median']):>7} "
                  f"{_f(level['overhead_ms']['p95']):>7}  "
                  + " ".join(f"{_f(stages.get(name, {}).get('median', math.nan), 1):>7}" for name, _ in STAGES))
    print("  stages (medians): " + "; ".join(f"{name} = {text}" for name, text in STAGES))
    if results.get("quota"):
        print(f"\n== quota use (sandbox and limiter at Q = {config.quota:g}/s, burst {config.burst:g}; "
              f"{config.quota_checks} checks queued at once) ==")
        print(f"{'workers':>7} {'done':>5} {'drain s':>7} {'ideal s':>7} {'rate/s':>7} {'x Q':>6} "
              f"{'429 vendor':>10} {'429 cases':>9} {'bunched':>7} {'gap p1':>6} {'gap p5':>6}")
        for workers, q in results["quota"].items():
            gaps = q.get("arrival_gap_ms") or {}
            print(f"{workers:>7} {q['completed']:>5} {_f(q['drain_s'], 1):>7} {_f(q['ideal_s'], 1):>7} "
                  f"{_f(q['achieved_per_s'], 2):>7} {_f(q['achieved_fraction'], 3):>6} {q['vendor_rate_limited']:>10} "
                  f"{q['attempts_rate_limited']:>9} {q['bunched_arrivals']:>7} {_f(gaps.get('p1', math.nan), 1):>6} "
                  f"{_f(gaps.get('p5', math.nan), 1):>6}")
        print(f"  bunched = arrivals at the vendor under {500 / config.quota:.0f} ms (half of 1/Q) after the one "
              f"before; gap p1/p5 = percentiles of those gaps (ms)")
    overhead = results.get("overhead", {})
    if len(overhead) > 1:
        print("\n== scaling: ratios to 1 worker process (same threads per process) ==")
        base = overhead[min(overhead)]
        for workers, levels in overhead.items():
            parts = []
            for clients, level in levels.items():
                ref = base.get(clients)
                if ref:
                    parts.append(f"{clients} clients: cases/s x{level['throughput_cases_per_s'] / ref['throughput_cases_per_s']:.2f}"
                                 f", overhead p95 x{level['overhead_ms']['p95'] / ref['overhead_ms']['p95']:.2f}")
            print(f"  {workers} workers: " + "; ".join(parts))


# --- set-up ---------------------------------------------------------------------------------------

def run(config: Config) -> dict:
    """Start everything, run the configured modes, stop everything; returns the figures."""
    log_root = Path(config.log_dir) if config.log_dir else Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    log_root.mkdir(parents=True, exist_ok=True)
    results: dict = {"config": {**asdict(config), "cases_per_client": {str(k): v for k, v in config.cases_per_client.items()}},
                     "machine": machine(), "overhead": {}, "quota": {}}
    with h.Services() as services:
        server_url, postgres = config.database_url, None
        if config.private_postgres:
            postgres = services.add(h.postgres_private(workdir=log_root, max_connections=300))
            server_url = postgres.url
        needed = (max(config.workers) * (config.threads + 2) + config.default_concurrency + 2
                  + (config.web_workers or 2 * (os.cpu_count() or 1) + 1) + 5)
        headroom = h.postgres_connection_headroom(server_url)
        if headroom < needed:
            raise SystemExit(f"the PostgreSQL server has {headroom} free connections; this run needs about {needed} "
                             f"(workers x (threads + 2) + web workers + 5): use --private-postgres or fewer --threads")
        if config.create_database:
            say(config, f"database {config.database}: creating and migrating ...")
            database_url = h.database_recreate(server_url=server_url, name=config.database)
        else:
            database_url = server_url
        media_root = log_root / "media"
        env = h.child_env(database_url=database_url, broker_url=config.broker_url, media_root=media_root, **YOUTU,
                          KYC_SELFIE_PROVIDER=PROVIDER, CACHE_URL=config.broker_url, KYC_API_RATE="999999/min",
                          KYC_WEBHOOK_ALLOW_PRIVATE="true")  # the partner's receiver is on loopback
        if config.create_database:
            h.migrate(env)
        from django.apps import apps

        if not apps.ready:  # a command-line run: this process reads the same database (timestamps)
            for key in ("DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT", "KYC_ENV_FILE", "DJANGO_SETTINGS_MODULE",
                        "CACHE_URL", "LOG_LEVEL", "DEBUG"):
                os.environ[key] = env[key]
            import django

            django.setup()
        from django.db import connection

        niceness = -10 if config.prioritise_external else 0
        sandbox = services.add(h.sandbox_start(env, log_dir=log_root, niceness=niceness))
        results["machine"]["external_reniced"] = bool(niceness) and h.raise_priority(niceness)
        env["YOUTU_ENDPOINT"] = sandbox.url
        receiver = Receiver()
        try:
            key = h.partner_key_create(env, PARTNER)
            receiver.secret = h.webhook_endpoint_create(env, PARTNER, receiver.url)
            web = services.add(h.gunicorn_start(env, workers=config.web_workers, log_dir=log_root))
            from tests import mediagen

            partner = Partner(web.url, key, mediagen.selfie_jpeg())
            stack = Stack(config=config, services=services, env=env, web=web, sandbox=sandbox, partner=partner,
                          receiver=receiver, log_dir=log_root, postgres=postgres)
            say(config, f"stack up: web {web.url} ({config.web_workers or 'default'} gunicorn workers), sandbox {sandbox.url} "
                        f"({PROVIDER} {ENDPOINT}, fixed {config.vendor_ms} ms), logs in {log_root}")
            for workers in config.workers:
                if "quota" in config.modes:
                    results["quota"][workers] = quota_run(stack, workers)
                if "overhead" in config.modes:
                    results["overhead"][workers] = overhead_runs(stack, workers)
            results["webhooks"] = {"deliveries": receiver.deliveries, "bad_signatures": receiver.bad_signatures}
        finally:
            receiver.stop()
            connection.close()
    return results


def machine() -> dict:
    try:
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        model = ""
    return {"cpus": os.cpu_count(), "cpu_model": model, "load_before": os.getloadavg()[0],
            "python": sys.version.split()[0], "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run (< 1 min): 1 worker, 8 threads, small sizes")
    parser.add_argument("--mode", choices=("overhead", "quota", "both"), default="both")
    parser.add_argument("--workers", type=_ints, help="worker processes, e.g. 1,2,4 (default 1,2,4; quick: 1)")
    parser.add_argument("--threads", type=int, help="threads per worker process (default 20; quick: 8)")
    parser.add_argument("--concurrency", type=_ints, help="partner clients, e.g. 1,20,100")
    parser.add_argument("--cases", type=int, help="cases per client at every concurrency (default 30/8/3 at 1/20/100)")
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--vendor-ms", type=int, help="the sandbox's fixed answer time (default 200)")
    parser.add_argument("--quota", type=float, help="vendor quota Q, calls/s (default 20)")
    parser.add_argument("--burst", type=float, help="the sandbox bucket's burst (default 2)")
    parser.add_argument("--limiter-fraction", type=float,
                        help="the portal's limiter rate as a fraction of Q (default 0.95)")
    parser.add_argument("--quota-checks", type=int, help="checks in the quota burst (default 1000; quick: 60)")
    parser.add_argument("--default-pool", choices=("prefork", "threads"),
                        help="pool of the default-queue worker (webhooks; default prefork)")
    parser.add_argument("--default-concurrency", type=int, help="its processes or threads (default 2)")
    parser.add_argument("--web-workers", type=int, help="gunicorn workers (default: deploy/gunicorn.conf.py's, "
                                                         "2 x cores + 1; quick: 2)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", Config.database_url),
                        help="PostgreSQL server URL (the database in it is ignored)")
    parser.add_argument("--database", default=Config.database, help="database to (re)create (default %(default)s)")
    parser.add_argument("--private-postgres", action="store_true", help="run a throwaway PostgreSQL cluster")
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", Config.broker_url),
                        help="Redis for Celery, the limiter and the API cache: a database of its own")
    parser.add_argument("--log-dir", default="", help="where process logs go (default: a temporary directory)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    config = Config(**(QUICK if args.quick else {}))
    overrides = {"workers": args.workers, "threads": args.threads, "concurrency": args.concurrency,
                 "repeats": args.repeats, "vendor_ms": args.vendor_ms, "quota": args.quota, "burst": args.burst,
                 "limiter_fraction": args.limiter_fraction,
                 "quota_checks": args.quota_checks, "web_workers": args.web_workers,
                 "default_pool": args.default_pool, "default_concurrency": args.default_concurrency}
    for name, value in overrides.items():
        if value is not None:
            setattr(config, name, value)
    if args.cases is not None:
        config.cases_per_client = {c: args.cases for c in config.concurrency}
    config.modes = ("overhead", "quota") if args.mode == "both" else (args.mode,)
    config.database_url, config.database = args.database_url, args.database
    config.private_postgres, config.broker_url, config.log_dir = args.private_postgres, args.broker_url, args.log_dir
    started = time.monotonic()
    results = run(config)
    results["wall_s"] = time.monotonic() - started
    report(config, results)
    print(f"\n{results['machine']['cpus']} CPUs ({results['machine']['cpu_model']}), load before "
          f"{results['machine']['load_before']:.2f}; whole run {results['wall_s']:.0f} s")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return results


if __name__ == "__main__":
    main()
