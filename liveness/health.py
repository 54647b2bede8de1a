"""Liveness of the portal itself: database, broker, at least one Celery worker."""
from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection


def _timed(probe) -> dict:
    started = time.monotonic()
    try:
        detail = probe()
        ok = True
    except Exception as exc:  # every failure is a reason for 503, reported by name
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return {"ok": ok, "detail": detail, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _broker() -> str:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1)
    client.ping()
    return "redis"


def _workers() -> list[str]:
    """Names of the workers that answered. Returns at the first reply (``limit=1``) so a load
    balancer's probe costs one round trip, not the whole 1-s collection window; it waits the full
    second only when no worker is alive."""
    from kyc_portal.celery import app

    replies = app.control.ping(timeout=1.0, limit=1) or []
    names = sorted(name for reply in replies for name in reply)
    if not names:
        raise RuntimeError("no Celery worker answered within 1 s")
    return names


def health_report() -> tuple[bool, dict]:
    report = {"database": _timed(_database), "broker": _timed(_broker)}
    report["workers"] = _timed(_workers) if report["broker"]["ok"] else {"ok": False, "detail": "broker unreachable"}
    return all(part["ok"] for part in report.values()), report
