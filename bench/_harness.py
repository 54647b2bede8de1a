"""Process helpers shared by the benchmarks that run the portal as in production.

Small, generic functions: a benchmark composes them (bench/pipeline.py, bench/ingest.py).
Nothing here imports Django: the calling process may not be configured for the database
the services use. Every started process writes its output to a log file in ``log_dir``
(named in errors), and is stopped by :class:`Services` in the reverse order of starting
(TERM, then KILL after a grace period): a benchmark that fails half-way leaves nothing
running.

    with Services() as services:
        pg = services.add(postgres_private(workdir=tmp))              # optional: own cluster
        url = database_recreate(server_url=pg.url, name="kyc_bench_pipeline")
        env = child_env(database_url=url, broker_url="redis://127.0.0.1:6379/7", media_root=tmp)
        migrate(env)
        web = services.add(gunicorn_start(env, workers=4, log_dir=tmp))
        services.add(celery_worker_start(env, name="w1", queues="vendor,default,webhooks", pool="threads",
                                         concurrency=20, log_dir=tmp))
"""
from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_BIN = Path("/usr/lib/postgresql")


# --- small utilities --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, service: "Service | None" = None,
               interval: float = 0.1):
    """Poll ``predicate`` until truthy; fail early, with the log's tail, if ``service`` exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if service is not None and service.proc.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.proc.returncode} while waiting for {what}\n"
                               f"{service.log_tail()}")
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}"
                       + (f"\n{service.log_tail()}" if service is not None else ""))


def http_status(url: str, *, timeout: float = 2.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URLs we started
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: list[float]) -> dict[str, float]:
    """n, median, p95, min, max of a sample (NaN when empty)."""
    if not values:
        return {"n": 0, "median": math.nan, "p95": math.nan, "min": math.nan, "max": math.nan}
    return {"n": len(values), "median": statistics.median(values), "p95": percentile(values, 95),
            "min": min(values), "max": max(values)}


# --- processes ---------------------------------------------------------------------------

class Service:
    """One started process, its log and (for servers) its base URL."""

    def __init__(self, name: str, proc: subprocess.Popen, log_path: Path, url: str = "",
                 on_stop: Callable[[], None] | None = None) -> None:
        self.name, self.proc, self.log_path, self.url = name, proc, log_path, url
        self._on_stop = on_stop

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return f"({self.log_path} unreadable)"
        return f"--- last lines of {self.log_path} ---\n" + "\n".join(text[-lines:])

    def stop(self, grace: float = 15.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._on_stop is not None:
            self._on_stop()
            self._on_stop = None


class Services:
    """Stops what was added, newest first, when the ``with`` block ends (also on errors)."""

    def __init__(self) -> None:
        self._started: list[Service] = []

    def add(self, service: Service) -> Service:
        self._started.append(service)
        return service

    def stop(self, service: Service) -> None:
        service.stop()
        if service in self._started:
            self._started.remove(service)

    def __enter__(self) -> "Services":
        return self

    def __exit__(self, *exc_info) -> None:
        while self._started:
            self._started.pop().stop()


def raise_priority(niceness: int = -10) -> bool:
    """Renice the calling process (and what it starts afterwards) to ``niceness``; False without
    the privilege (not root), which is harmless: the run is only noisier."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
        return True
    except (PermissionError, OSError):
        return False


def _spawn(name: str, argv: list[str], *, env: dict[str, str], log_dir: Path, **popen) -> tuple[subprocess.Popen, Path]:
    log_dir.mkdir(parents=True, exist_ok=True)
    if popen.get("preexec_fn") is None and os.getpriority(os.PRIO_PROCESS, 0) != 0:
        popen["preexec_fn"] = lambda: raise_priority(0)  # the portal never inherits a reniced bench's priority
    log_path = log_dir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, **popen)
    return proc, log_path


def child_env(*, database_url: str, broker_url: str, media_root: str | Path, **extra: str) -> dict[str, str]:
    """Environment for portal processes: these services, no ``.env`` file (a run must not depend on a
    developer's), DEBUG off (DEBUG keeps every SQL query in memory), quiet logs; ``extra`` wins."""
    return {
        **os.environ,
        "KYC_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "kyc_portal.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run ``manage.py`` and return its stdout; raise with its stderr when it fails."""
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


# --- PostgreSQL ------------------------------------------------------------------------------

def _pg_connect(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                           user=parts.username or "postgres", password=parts.password,
                           dbname=parts.path.lstrip("/") or "postgres", autocommit=True, connect_timeout=5)


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_recreate(*, server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``server_url``; returns its URL."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsafe database name {name!r}")
    with _pg_connect(_with_db(server_url, "postgres")) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_db(server_url, name)


def migrate(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput", timeout=600)


def postgres_connection_headroom(server_url: str) -> int:
    """Connections still available on the server (max_connections minus reserved and in use)."""
    with _pg_connect(_with_db(server_url, "postgres")) as conn:
        max_conn = int(conn.execute("SHOW max_connections").fetchone()[0])
        reserved = int(conn.execute("SHOW superuser_reserved_connections").fetchone()[0])
        used = int(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
                   .fetchone()[0])
    return max_conn - reserved - used


def _pg_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(PG_BIN.glob(f"*/bin/{name}"), reverse=True)
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return str(candidates[0])


def postgres_private(*, workdir: Path, max_connections: int = 300, port: int | None = None) -> Service:
    """A throwaway PostgreSQL cluster (trust auth, loopback, default durability settings) on a free port.

    For runs that need more connections than a shared server can spare, or must not disturb
    it. Run as root, the server process runs as the ``postgres`` user. ``Service.url`` is the
    server URL (database ``postgres``); the data directory is deleted on stop.
    """
    port = port or free_port()
    data = Path(workdir) / f"pgdata-{port}"
    data.mkdir(parents=True)
    as_user: dict = {}
    if os.geteuid() == 0:
        import pwd

        pw = pwd.getpwnam("postgres")
        os.chown(data, pw.pw_uid, pw.pw_gid)
        # mkdtemp makes the work directory 0700: let the postgres user pass through to its data.
        os.chmod(workdir, os.stat(workdir).st_mode | 0o011)
        as_user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
    initdb = subprocess.run([_pg_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                             "--no-sync", "-E", "UTF8"], capture_output=True, text=True, cwd="/", **as_user)
    if initdb.returncode != 0:
        raise RuntimeError(f"initdb failed:\n{initdb.stderr[-2000:]}")
    proc, log_path = _spawn(f"postgres-{port}", [
        _pg_binary("postgres"), "-D", str(data), "-p", str(port), "-c", "listen_addresses=127.0.0.1",
        "-c", f"unix_socket_directories={data}", "-c", f"max_connections={max_connections}",
    ], env={**os.environ, "LC_ALL": "C"}, log_dir=Path(workdir), **as_user)
    if as_user:
        os.chown(log_path, as_user["user"], as_user["group"])
    service = Service(f"postgres-{port}", proc, log_path, url=f"postgres://postgres@127.0.0.1:{port}/postgres",
                      on_stop=lambda: shutil.rmtree(data, ignore_errors=True))

    def ready() -> bool:
        try:
            with _pg_connect(service.url):
                return True
        except Exception:  # noqa: BLE001 - not up yet
            return False

    wait_until(ready, timeout=60, what="the private PostgreSQL", service=service, interval=0.2)
    return service


# --- portal services -------------------------------------------------------------------------

def sandbox_start(env: dict[str, str], *, log_dir: Path, port: int | None = None, niceness: int = 0) -> Service:
    """``manage.py vendor_sandbox`` in its own process; ``Service.url`` is its base URL. A negative
    ``niceness`` (root only; ignored otherwise) keeps a busy machine from delaying the emulated
    vendor, which in reality runs elsewhere: its delays would be counted as the portal's."""
    port = port or free_port()
    proc, log_path = _spawn("sandbox", [PY, "manage.py", "vendor_sandbox", "--port", str(port)], env=env,
                            log_dir=log_dir, preexec_fn=(lambda: raise_priority(niceness)) if niceness else None)
    service = Service("sandbox", proc, log_path, url=f"http://127.0.0.1:{port}")
    wait_until(lambda: http_status(service.url + "/_sandbox/health") == 200, timeout=60,
               what="the vendor sandbox", service=service)
    return service


DEPLOY_GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def gunicorn_start(env: dict[str, str], *, log_dir: Path, workers: int | None = None, threads: int = 1,
                   port: int | None = None, extra_args: tuple[str, ...] = ()) -> Service:
    """The web tier as deployed: ``gunicorn -c deploy/gunicorn.conf.py kyc_portal.wsgi`` (when that file
    exists), on a free loopback port, without the access log; ``workers`` None keeps the file's
    default. ``Service.url`` is its base URL. Ready when the partner API answers (401 without a key:
    the app loaded and routed)."""
    port = port or free_port()
    argv = [PY, "-m", "gunicorn", *(("-c", str(DEPLOY_GUNICORN_CONF)) if DEPLOY_GUNICORN_CONF.exists() else ()),
            "kyc_portal.wsgi", "--bind", f"127.0.0.1:{port}", *(("--workers", str(workers)) if workers else ()),
            "--access-logfile", "-" if env.get("BENCH_ACCESS_LOG") else "/dev/null", "--log-level", "warning",
            "--graceful-timeout", "5", *(("--threads", str(threads)) if threads > 1 else ()), *extra_args]
    proc, log_path = _spawn("gunicorn", argv, env=env, log_dir=log_dir)
    service = Service("gunicorn", proc, log_path, url=f"http://127.0.0.1:{port}")
    wait_until(lambda: http_status(service.url + "/api/v1/cases") in (401, 403), timeout=90,
               what="gunicorn to serve the partner API", service=service)
    return service


def celery_worker_start(env: dict[str, str], *, name: str, log_dir: Path, queues: str | None = None,
                        pool: str = "prefork", concurrency: int = 1, loglevel: str = "WARNING",
                        beat: bool = False, wait: bool = True) -> Service:
    """``celery -A kyc_portal worker``; returns once it answers a ping (``wait=False``: at once; then
    :func:`celery_workers_wait` for several started together, which is faster than one by one)."""
    hostname = f"{name}@{socket.gethostname()}"
    argv = [PY, "-m", "celery", "-A", "kyc_portal", "worker", "-n", hostname, "--pool", pool,
            "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel", loglevel,
            *(["-Q", queues] if queues else []), *(["--beat"] if beat else [])]
    proc, log_path = _spawn(f"celery-{name}", argv, env=env, log_dir=log_dir)
    service = Service(f"celery-{name}", proc, log_path)
    service.hostname = hostname  # type: ignore[attr-defined]
    if wait:
        celery_workers_wait(env["CELERY_BROKER_URL"], [service])
    return service


def celery_workers_wait(broker_url: str, services: list[Service], *, timeout: float = 90) -> None:
    """Return once every worker in ``services`` answers a ping."""
    for service in services:
        wait_until(lambda: celery_ping(broker_url, service.hostname), timeout=timeout,  # type: ignore[attr-defined]
                   what=f"celery worker {service.hostname}", service=service, interval=0.2)  # type: ignore[attr-defined]


def celery_ping(broker_url: str, hostname: str) -> bool:
    """Whether worker ``hostname`` answers a broadcast ping (a bare Celery app: no Django needed)."""
    from celery import Celery

    # set_as_current=False: a second app must never become Celery's current app in a process that
    # also queues tasks (the test suite): shared_task proxies would then publish through it.
    app = Celery(broker=broker_url, set_as_current=False)
    try:
        replies = app.control.ping(destination=[hostname], timeout=0.5) or []
    finally:
        app.close()
    return any(hostname in reply for reply in replies)


def partner_key_create(env: dict[str, str], partner: str, *, test: bool = False) -> str:
    """A new API key for ``partner`` (created if missing); the full key text."""
    return manage(env, "partner_key_create", partner, "--create-partner", *(["--test"] if test else [])).strip()


def webhook_endpoint_create(env: dict[str, str], partner: str, url: str, *, events: tuple[str, ...] = ()) -> str:
    """Register a webhook endpoint for ``partner``; returns its signing secret."""
    return manage(env, "partner_webhook_create", partner, url, *(["--events", *events] if events else [])).strip()


# --- CPU accounting (Linux /proc) -----------------------------------------------------------

def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds used so far: user + system, all threads, plus that of its
    children that exited and were waited for, e.g. PostgreSQL backends of closed sessions)."""
    ticks = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
        table[int(entry.name)] = (int(fields[1]), sum(int(f) for f in fields[11:15]) / ticks)
    return table


def cpu_seconds(services: dict[str, Service]) -> dict[str, float]:
    """CPU seconds used so far by each service's process and its living descendants (gunicorn's
    and prefork's workers are children); the current process under the name "bench"."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(pid: int) -> float:
        total, stack = 0.0, [pid]
        while stack:
            current = stack.pop()
            total += table.get(current, (0, 0.0))[1]
            stack.extend(children.get(current, []))
        return total

    used = {name: tree(service.proc.pid) for name, service in services.items()}
    used["bench"] = table.get(os.getpid(), (0, 0.0))[1]
    return used
