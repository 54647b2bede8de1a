"""Writing events partners may receive, in the transaction of the change that causes them.

The row commits or rolls back with the change. After the commit the relay task is asked to run
at once; if the broker is down, beat's periodic relay picks the event up (``OUTBOX_RELAY_TASK``
is sent by name: the relay lives with the webhooks in ``liveness.partners``, which depends on
the cases, not the other way round).
"""
from __future__ import annotations

from celery import current_app
from django.db import transaction

from liveness.jobs.enqueue import enqueue_or_leave_for_sweep

from .models import Case, OutboxEvent

OUTBOX_RELAY_TASK = "liveness.partners.tasks.outbox_relay_task"


def outbox_record(*, case: Case, kind: str, payload: dict) -> OutboxEvent:
    """Must run inside the transaction that makes the change (``case_transition`` does)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox events are written in the transaction of the change that causes them")
    event = OutboxEvent.objects.create(case=case, kind=kind, payload=payload)
    transaction.on_commit(_relay_soon)
    return event


def _relay_soon() -> None:
    enqueue_or_leave_for_sweep(lambda: current_app.send_task(OUTBOX_RELAY_TASK), what="the outbox relay",
                               sweep="beat's periodic relay")
