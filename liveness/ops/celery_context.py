"""The request id travels with a task in its message headers (``kyc_request_id``) and is bound,
with the task's name, while the task runs; prefork processes that end are marked dead for the
multi-process metrics."""
from __future__ import annotations

import os
from typing import Any

from celery import signals

from . import context

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


def connect() -> None:
    """Connect the signal handlers (idempotent: Celery keys them by the function)."""
    signals.before_task_publish.connect(_publish, weak=False)
    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    signals.worker_process_shutdown.connect(_process_end, weak=False)
