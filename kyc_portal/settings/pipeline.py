"""The check pipeline (Celery): broker, time limits, queues, vendor call rates, retries and stale
windows, the periodic sweeps, and what happens when every check passed."""
from __future__ import annotations

from kombu import Exchange, Queue

from .env import boolean, choice, delays, fail, integer, names_with_prefix, number, rate, require, url
from .vendors import KNOWN_PROVIDERS, KYC_PROVIDERS, vendor_queue_defaults, vendor_rate_limit_defaults

# What to do when every check passed. False sends even clean cases to a reviewer.
KYC_AUTO_APPROVE = boolean("KYC_AUTO_APPROVE", True, doc="approve cases whose checks all passed")
# How many times the pipeline sends one case back for a retake on its own; the next failure the
# person could fix goes to a reviewer (docs/decisions.md, row 3).
KYC_AUTO_RETAKE_LIMIT = integer("KYC_AUTO_RETAKE_LIMIT", 3, low=0, high=100,
                                doc="automatic retakes per case before a reviewer looks (0: never automatic)")

CELERY_BROKER_URL = url("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "memory"),
                        what="a redis:// URL (rediss://, or memory:// for tests)", doc="the Redis holding the queues")
CELERY_RESULT_BACKEND = None  # results live in the database (Check rows), not in Celery
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A broker restart must not cancel a check mid vendor call (Celery 6 will default to True): the
# call finishes, its answer is saved and acknowledged once the broker is back; a cancelled one
# would be lost and paid for twice (tests/security/test_reliability_infra.py).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = integer("CELERY_TASK_SOFT_TIME_LIMIT", 120, low=1, high=3600, unit="seconds",
                                      doc="a task is interrupted after this (prefork pools)")
CELERY_TASK_TIME_LIMIT = integer("CELERY_TASK_TIME_LIMIT", 150, low=1, high=3600, unit="seconds",
                                 doc="a task's process is killed after this (prefork pools)")
# Redis redelivers an unacknowledged task after this; it must exceed the longest check.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": integer("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 2 + 60, low=1,
                                  high=86400, unit="seconds",
                                  doc="Redis redelivers an unacknowledged task after this; must exceed "
                                      "CELERY_TASK_TIME_LIMIT (default: twice it + 60)"),
}
require(CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > CELERY_TASK_TIME_LIMIT,
        "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT")
CELERY_TASK_ALWAYS_EAGER = boolean("CELERY_TASK_ALWAYS_EAGER", False,
                                   doc="run tasks inside the web process (tests, demos)")
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Retries of transient vendor failures: a fixed schedule, then a terminal failed state.
KYC_CHECK_RETRY_DELAYS = delays("KYC_CHECK_RETRY_DELAYS", (5, 30, 120), high=3600,
                                doc="seconds between attempts on transient vendor errors (one attempt more than delays)")
# A check left "in flight" longer than this was abandoned by a dead worker.
KYC_CHECK_STALE_AFTER = CELERY_TASK_TIME_LIMIT + 30

# Queues (docs/scaling.md): "engine" = local-engine checks (CPU-bound: a prefork worker, one
# process per core), "vendor" = checks calling a remote vendor (I/O-bound: a threads-pool worker,
# many threads), "webhooks" = deliveries to partners (I/O-bound, threads: a partner whose endpoint
# hangs holds one thread for its timeout, not the sweeps or other partners' deliveries),
# "default" = everything else (sweeps, purges: beat). A worker started without -Q consumes all
# four. KYC_CHECK_QUEUE_<PROVIDER>=engine|vendor|default moves a provider's checks; a dotted-path
# custom provider goes to "vendor" (liveness.checks.queue.check_queue).
CELERY_TASK_DEFAULT_QUEUE = "default"
# Each queue has its own direct exchange and routing key, so a message can only land in its queue.
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name)
                           for name in ("default", "engine", "vendor", "webhooks"))
CELERY_TASK_ROUTES = {"liveness.partners.tasks.webhook_deliver_task": {"queue": "webhooks"},
                      "liveness.partners.tasks.outbox_relay_task": {"queue": "webhooks"}}
KYC_CHECK_QUEUES: dict[str, str] = {
    _provider: choice(f"KYC_CHECK_QUEUE_{_provider.upper()}", vendor_queue_defaults[_provider],
                      ("default", "engine", "vendor"), doc=f"the queue {_provider} checks go to")
    for _provider in KNOWN_PROVIDERS
}
# A prefork worker process that consumes the local engine's queue loads the engine's models when it
# starts (kyc_portal/celery.py, worker_process_init; ~5 s, Whisper ~600 MB at its peak), not on the
# first check it runs. Celery kills a new process that is not ready within
# CELERY_WORKER_PROC_ALIVE_TIMEOUT (its default, 4 s, is shorter than the loading).
KYC_ENGINE_WARM_UP = boolean("KYC_ENGINE_WARM_UP", True,
                             doc="load the local engine's models when a worker process of its queue starts")
CELERY_WORKER_PROC_ALIVE_TIMEOUT = number("CELERY_WORKER_PROC_ALIVE_TIMEOUT", 120.0, low=4.0, high=600.0,
                                          unit="seconds",
                                          doc="a new prefork worker process must be ready within this "
                                              "(engine processes load their models first)")

# Vendor rate limits, shared by every worker through Redis (liveness/checks/pacing.py):
# KYC_RATE_LIMIT_<PROVIDER>="20/s" | "600/min" | "off" (or 0); defaults: vendors.vendor_rate_limit_defaults.
_RATE_LIMIT_OPTIONS = {"KYC_RATE_LIMIT_MAX_WAIT", "KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT", "KYC_RATE_LIMIT_REDIS_URL"}
for _key in names_with_prefix("KYC_RATE_LIMIT_"):
    if _key not in _RATE_LIMIT_OPTIONS and _key[len("KYC_RATE_LIMIT_"):].lower() not in KNOWN_PROVIDERS:
        fail(f"{_key}: expected KYC_RATE_LIMIT_<{'|'.join(p.upper() for p in KNOWN_PROVIDERS)}>")
KYC_RATE_LIMITS: dict[str, float] = {}
for _provider, _default in vendor_rate_limit_defaults.items():
    _rate = rate(f"KYC_RATE_LIMIT_{_provider.upper()}", _default, allow_off=True,
                 doc=f"calls per unit to {_provider}, shared by every worker")
    if _rate is not None:
        KYC_RATE_LIMITS[_provider] = _rate.per_second
# A task waits at most this long (seconds) for its slot; a later slot re-queues it instead.
KYC_RATE_LIMIT_MAX_WAIT = number("KYC_RATE_LIMIT_MAX_WAIT", 2.0, low=0, high=30, unit="seconds",
                                 doc="longest a task sleeps for its call slot; later slots re-queue it")
# A built request waits at most this long (seconds) for its departure, 1/Q after the previous one
# (liveness.checks.pacing.RateLimiter.space); in practice the wait is at most the threads that built
# requests at the same moment / Q.
KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT = number("KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT", 30.0, low=0, low_exclusive=True,
                                           high=60, unit="seconds",
                                           doc="longest a built request waits for its departure, 1/rate after the previous")
# The Redis holding the limiter's state; default: the broker. Empty (a memory:// broker) = no limiting.
KYC_RATE_LIMIT_REDIS_URL = url(
    "KYC_RATE_LIMIT_REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
    schemes=("redis", "rediss"), what="a redis:// URL", allow_empty=True,
    doc="the Redis holding the rate limiter's state (default: the broker; empty: no limiting)")
# Celery's threads pool (the vendor queue) enforces no time limits: each vendor's HTTP timeout is
# what bounds a check, so it (plus the longest waits for a slot and a departure) must end before
# the soft limit.
for _provider, _config in KYC_PROVIDERS.items():
    if "timeout" in _config:
        require(_config["timeout"] + KYC_RATE_LIMIT_MAX_WAIT + KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT
                < CELERY_TASK_SOFT_TIME_LIMIT,
                f"the {_provider} timeout ({_config['timeout']:g} s) plus KYC_RATE_LIMIT_MAX_WAIT and "
                f"KYC_RATE_LIMIT_MAX_DEPARTURE_WAIT must be shorter than CELERY_TASK_SOFT_TIME_LIMIT "
                f"({CELERY_TASK_SOFT_TIME_LIMIT} s)")

CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-checks": {"task": "liveness.checks.tasks.checks_requeue_stuck", "schedule": 60.0},
    "requeue-lost-webhooks": {"task": "liveness.partners.tasks.webhook_deliveries_requeue", "schedule": 60.0},
    "purge-idempotency": {"task": "liveness.partners.tasks.idempotency_purge", "schedule": 3600.0},
    # The outbox relay also runs after every case move; this catches moves whose relay message was lost.
    "relay-outbox": {"task": "liveness.partners.tasks.outbox_relay_task", "schedule": 30.0},
    "purge-expired-media": {"task": "liveness.media.tasks.media_purge_expired", "schedule": 3600.0},
    # Orphaned media files (liveness/media/orphans.py): every 6 h lists the whole media storage,
    # so an orphan goes at most KYC_ORPHAN_GRACE_HOURS + 6 h after it was written.
    "sweep-orphaned-media": {"task": "liveness.media.tasks.media_orphans_sweep", "schedule": 6 * 3600.0},
}
