"""Turns case moves into webhook deliveries. Connected when this module is imported
(``liveness.apps.LivenessConfig.ready``), in web and worker processes alike.

``case_state_changed`` is sent after the transition committed, from an on-commit
callback inside whoever moved the case (often a Celery check task): a failure here
is logged and swallowed so it can never break that caller.
"""
from __future__ import annotations

import logging

from django.dispatch import receiver

from ..signals import case_state_changed

logger = logging.getLogger(__name__)


@receiver(case_state_changed, dispatch_uid="liveness.api.receivers.case_state_changed_webhooks")
def case_state_changed_webhooks(sender, *, case_id: int, previous: str, state: str, **kwargs) -> None:
    from . import services

    try:
        services.webhook_events_emit(case_id=case_id, previous=previous, state=state)
    except Exception:  # noqa: BLE001 - never break the transition's caller; the sweep cannot recreate these
        logger.exception("webhooks for case %s (%s → %s) could not be queued", case_id, previous, state)
