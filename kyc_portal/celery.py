"""The Celery app. Configuration lives in Django settings under the CELERY_ prefix."""
import logging
import os
import time

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc_portal.settings")

app = Celery("kyc_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fix-up closes every database connection before and after every task unless
# this is set, so each task paid a new PostgreSQL connection (~8 ms and a server-side fork; three
# tasks per case: bench/pipeline.py, docs/performance.md) whatever CONN_MAX_AGE says. With it, the
# fix-up only recycles the running thread's connection every DB_REUSE_MAX tasks, and Django's own
# rules decide the rest, exactly as for a web request (close_old_connections below).
app.conf.update(CELERY_DB_REUSE_MAX=1000)
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _db_connections_tidy(**kwargs) -> None:
    """What Django does around each request: drop this thread's connection if it is older than
    CONN_MAX_AGE, broke, or was left mid-transaction; CONN_HEALTH_CHECKS re-checks it on first use."""
    if kwargs.get("task") is not None and getattr(kwargs["task"].request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()


@signals.setup_logging.connect
def _logging_from_settings(**kwargs) -> None:
    """Workers log like the web tier (settings.LOGGING: JSON lines with the request, case and check
    ids, capture tokens and keys cut out) instead of Celery's own root handler, which knew neither."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


logger = logging.getLogger(__name__)


def consumed_queues() -> set[str]:
    """The queues this worker consumes: its ``-Q`` list (every declared queue without one). Set
    in the worker's main process before the pool forks, so a pool process sees it too."""
    return set(app.amqp.queues.consume_from)


def engine_queue() -> str:
    """The queue the local engine's checks go to (KYC_CHECK_QUEUE_LOCAL, default "engine")."""
    from django.conf import settings

    return settings.KYC_CHECK_QUEUES["local"]


@signals.worker_process_init.connect
def _engine_warm_up(**kwargs) -> None:
    """Load the local engine's models in a new prefork process that consumes the engine's queue,
    before it takes its first task: ~5 s (Whisper base ~4 s of it), which the first check of each
    process otherwise paid on its request path. Other processes (webhooks, vendor, default
    workers) load nothing. KYC_ENGINE_WARM_UP=false turns it off. A model that cannot load is
    logged, not raised: the process would be replaced and fail again in a loop; the checks that
    need the model fail visibly instead."""
    from django.conf import settings

    if not settings.KYC_ENGINE_WARM_UP or engine_queue() not in consumed_queues():
        return
    from liveness.engine import warm_up

    started = time.monotonic()
    try:
        warm_up()
    except Exception:  # noqa: BLE001 - see the docstring: logged, the checks report it
        logger.exception("engine models could not be loaded at process start; they load on first use")
        return
    logger.info("engine models loaded in %.1f s", time.monotonic() - started)
