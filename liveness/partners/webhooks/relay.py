"""The outbox relay: case events written with the change that caused them become webhook deliveries.

``liveness.cases.outbox`` writes an ``OutboxEvent`` in the same transaction as the case move,
so an event exists exactly when its move committed. This relay, run after the commit and by
beat, turns each event into one delivery per subscribed endpoint and stamps ``relayed_at`` in
the same transaction: a crash before that commit leaves the event for the next run; two runs
never both take it (``skip_locked``). Delivery event ids derive from the outbox event, so even a
replayed event keeps the ids partners deduplicate on.
"""
from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from liveness.cases.models import OutboxEvent

from ..models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from . import wire as webhooks
from .delivery import delivery_enqueue_on_commit

#: Namespace of the delivery event ids derived from outbox events.
EVENT_ID_NAMESPACE = uuid.UUID("4f1f6c5e-8d0a-4b53-9a43-6f3c0d2b7e11")
BATCH = 100


def outbox_relay() -> int:
    """Relay every unrelayed outbox event, in batches; returns how many were relayed."""
    relayed = 0
    while True:
        count = _outbox_relay_batch()
        relayed += count
        if count < BATCH:
            return relayed


@transaction.atomic
def _outbox_relay_batch() -> int:
    events = list(OutboxEvent.objects.select_for_update(skip_locked=True).select_related("case")
                  .filter(relayed_at__isnull=True).order_by("pk")[:BATCH])
    for event in events:
        _deliveries_create(event)
    OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(relayed_at=timezone.now())
    return len(events)


def _deliveries_create(event: OutboxEvent) -> list[WebhookDelivery]:
    """One delivery per (active subscribed endpoint, webhook event) of a case move or of a consent
    withdrawn from a decided case, queued on commit."""
    case = event.case
    if case.partner_id is None:
        return []
    if event.kind == OutboxEvent.CASE_STATE_CHANGED:
        names = webhooks.events_for_transition(previous=event.payload["previous"], state=event.payload["state"])
    elif event.kind == OutboxEvent.CONSENT_WITHDRAWN:  # from a decided case, which stays where it is
        names = [WebhookEvent.CONSENT_WITHDRAWN.value]
    else:
        return []
    deliveries = []
    for endpoint in WebhookEndpoint.objects.filter(partner_id=case.partner_id, is_active=True).order_by("pk"):
        for name in names:
            if name not in endpoint.events:
                continue
            event_id = uuid.uuid5(EVENT_ID_NAMESPACE, f"{event.pk}:{endpoint.pk}:{name}")
            payload = webhooks.payload_make(
                event_id=str(event_id), event=name, case_public_id=str(case.public_id), reference=case.reference,
                state=event.payload["state"], at=event.created_at, decision=event.payload.get("decision"))
            delivery = WebhookDelivery.objects.create(endpoint=endpoint, case=case, event=name, event_id=event_id,
                                                      payload=payload, next_attempt_at=timezone.now())
            delivery_enqueue_on_commit(delivery_id=delivery.pk)
            deliveries.append(delivery)
    return deliveries
