"""The Celery app. Configuration lives in Django settings under the CELERY_ prefix."""
import os

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
