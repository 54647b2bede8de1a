"""How checks reach a worker: each provider's checks go to that provider's queue.

Tasks are sent by name so the services that queue checks (``liveness.cases``) never import the
task module, which imports the services back. Queued only after the row is committed; a broker
that is down leaves the check pending for the stuck-check sweep (``liveness.jobs.enqueue``).
"""
from __future__ import annotations

import functools

from celery import current_app
from django.conf import settings
from django.db import transaction

from ..jobs.enqueue import enqueue_or_leave_for_sweep
from .models import Check

CHECK_RUN_TASK = "liveness.checks.tasks.check_run_task"


def check_queue(provider: str) -> str:
    """The queue for a provider's checks (settings.KYC_CHECK_QUEUES); a dotted-path custom provider
    is assumed to call a remote vendor."""
    return settings.KYC_CHECK_QUEUES.get(provider, "vendor")


def check_enqueue(*, check_id: int, provider: str | None = None, countdown: float | None = None) -> None:
    """Send the check-run task to the queue of the check's provider: the only way checks are queued."""
    if provider is None:
        provider = Check.objects.filter(pk=check_id).values_list("provider", flat=True).first() or ""
    current_app.send_task(CHECK_RUN_TASK, (check_id,), queue=check_queue(provider), countdown=countdown)


def _enqueue_check(check_id: int) -> None:
    enqueue_or_leave_for_sweep(lambda: check_enqueue(check_id=check_id), what=f"check {check_id}",
                               sweep="the stuck-check sweep")


def check_enqueue_on_commit(*, check_id: int) -> None:
    """Queue the check once the current transaction commits (nothing is sent if it rolls back)."""
    transaction.on_commit(functools.partial(_enqueue_check, check_id))
