"""Queueing a task after a commit, when the broker may be down.

The rows are already committed when an ``on_commit`` callback publishes, so the work is not
lost if the broker is unreachable: a beat sweep finds rows nobody started and queues them
again. Raising here would only turn a saved submission or a completed case move into an error
for the caller, who would then retry something that already happened
(tests/security/test_reliability_infra.py).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from kombu.exceptions import OperationalError as BrokerUnavailable

logger = logging.getLogger(__name__)


def enqueue_or_leave_for_sweep(publish: Callable[[], object], *, what: str, sweep: str) -> bool:
    """Call ``publish``; if the broker is unavailable (after Celery's own publish retries), log
    that ``sweep`` will queue ``what`` later and return False."""
    try:
        publish()
    except BrokerUnavailable:
        logger.warning("%s: not queued, the broker is unavailable; %s will queue it", what, sweep, exc_info=True)
        return False
    return True
