"""The database and the shared cache."""
from __future__ import annotations

from .base import VAR_DIR
from .env import cache_url, database_url, integer

_ENGINES = {"django.db.backends.postgresql": "PostgreSQL (postgres://...)",
            "django.db.backends.sqlite3": "SQLite (sqlite:///...)"}
DATABASES = {"default": database_url(
    "DATABASE_URL", f"sqlite:///{VAR_DIR / 'kyc_portal.sqlite3'}", engines=_ENGINES,
    doc="`postgres://user@host:5432/db` in production; SQLite for a laptop or the embedded run")}
_CONN_MAX_AGE = integer("CONN_MAX_AGE", 60, low=0, high=86400, unit="seconds",
                        doc="PostgreSQL only: how long a connection is kept between requests/tasks")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded run has a web server and a worker writing at once: wait for locks
    # instead of failing, and take the write lock at BEGIN so upgrades cannot deadlock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = _CONN_MAX_AGE
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Shared cache (API throttling counts, the start page's limit). Production:
# CACHE_URL=redis://host:6379/1 so every web process sees the same counts; the default is per-process memory.
CACHES = {"default": cache_url("CACHE_URL", "locmemcache://",
                               doc="`redis://host:6379/1` in production so throttling counts are shared")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A Redis that hangs must not hold requests: the counters fall back to process memory on any
    # error (liveness.web.shared_cache), so fail fast.
    CACHES["default"].setdefault("OPTIONS", {}).update({"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
