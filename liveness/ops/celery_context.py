"""The request id travels with a task in its message headers (``kyc_request_id``) and is bound
while the task runs; a worker empties its metrics folder at start and may serve its metrics on
KYC_METRICS_PORT; prefork processes that end are marked dead for the multi-process metrics."""
from __future__ import annotations

import os
from typing import Any

from celery import signals

from . import context
from .multiproc_files import stale_files_remove

HEADER = "kyc_request_id"


def _publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = context.current().get("request_id")
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


def _prerun(task: Any = None, **_: Any) -> None:
    if task is None or getattr(task.request, "is_eager", False):
        return  # an eager task runs inside its caller's context: keep it
    context.clear()
    context.bind(request_id=getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER))


def _postrun(task: Any = None, **_: Any) -> None:
    if task is not None and not getattr(task.request, "is_eager", False):
        context.clear()


def _process_end(**_: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())


def _worker_start(**_: Any) -> None:
    """In a worker's main process, before its pool forks: remove the metric files of processes no
    longer running (values of an earlier run would be counted again; a live process's file, of
    another service sharing the folder, is never touched) and, with KYC_METRICS_PORT, serve this
    worker's processes' metrics."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    stale_files_remove(folder)
    from django.conf import settings

    if settings.KYC_METRICS_PORT:
        from prometheus_client import start_http_server

        from .metrics import counted_registry

        start_http_server(settings.KYC_METRICS_PORT, addr=settings.KYC_METRICS_ADDRESS, registry=counted_registry())


def connect() -> None:
    """Connect the signal handlers (idempotent: Celery keys them by the function)."""
    signals.before_task_publish.connect(_publish, weak=False)
    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    signals.worker_process_shutdown.connect(_process_end, weak=False)
    signals.worker_init.connect(_worker_start, weak=False)
