"""Partner-scoped reads. Anything another partner owns is simply not found (404), never 403."""
from __future__ import annotations

import uuid

from django.db.models import QuerySet

from liveness.cases.models import Case
from liveness.partners.models import Partner, WebhookDelivery, WebhookEndpoint


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def case_get_for(*, partner: Partner, public_id) -> Case | None:
    parsed = _uuid(public_id)
    if parsed is None:
        return None
    return Case.objects.filter(public_id=parsed, partner=partner).first()


def cases_for(*, partner: Partner, reference: str | None = None, state: str | None = None) -> QuerySet[Case]:
    cases = Case.objects.filter(partner=partner).order_by("-created_at", "-pk")
    if reference is not None:
        cases = cases.filter(reference=reference)
    if state is not None:
        cases = cases.filter(state=state)
    return cases


def deliveries_for(*, partner: Partner, status: str | None = None, event: str | None = None) -> QuerySet[WebhookDelivery]:
    """``status`` is the partner's word (pending / delivered / failed, ``WebhookDelivery.API_STATUS``)."""
    deliveries = (WebhookDelivery.objects.filter(endpoint__partner=partner).select_related("endpoint")
                  .prefetch_related("attempt_rows").order_by("-created_at", "-pk"))
    if status is not None:
        deliveries = deliveries.filter(status__in=WebhookDelivery.statuses_for_api(status))
    if event is not None:
        deliveries = deliveries.filter(event=event)
    return deliveries


def delivery_get_for(*, partner: Partner, delivery_id) -> WebhookDelivery | None:
    parsed = _uuid(delivery_id)
    if parsed is None:
        return None
    return WebhookDelivery.objects.filter(pk=parsed, endpoint__partner=partner).select_related("endpoint", "case").first()


def webhook_endpoints_for(*, partner: Partner) -> QuerySet[WebhookEndpoint]:
    """The partner's endpoints, oldest first, deleted (inactive) ones included: they keep their
    delivery history and can be reactivated."""
    return WebhookEndpoint.objects.filter(partner=partner).order_by("created_at", "pk")


def webhook_endpoint_get_for(*, partner: Partner, endpoint_id) -> WebhookEndpoint | None:
    """The partner's endpoint with this id; None for another partner's, a malformed id, or one
    out of the column's range (which PostgreSQL would answer with an error, not an empty result)."""
    try:
        parsed = int(str(endpoint_id))
    except (TypeError, ValueError):
        return None
    if not 1 <= parsed < 2**63:
        return None
    return WebhookEndpoint.objects.filter(pk=parsed, partner=partner).first()
