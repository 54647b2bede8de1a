"""Webhook endpoints as partners (API) and operators (CLI) manage them: SSRF-checked URLs, known
events, a signing secret shown once, at most KYC_WEBHOOK_ENDPOINTS_MAX active per partner,
every change audited."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Value, When

from liveness.cases.audit import audit_record
from liveness.jobs.models import JobStatus
from liveness.web.errors import UserFacingError

from ..keys import actor_label_for
from ..models import (
    Partner,
    PartnerApiKey,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from . import guard as webhook_urls


class WebhookEndpointRefused(UserFacingError, ValueError):
    """A webhook endpoint change that is not allowed: ``webhook_url_refused`` and
    ``unknown_webhook_event`` (400), ``webhook_endpoint_limit`` and ``webhook_endpoint_inactive``
    (409). A ValueError too, so the operator command reports it like any refused argument."""


#: ``last_error`` of a pending delivery cancelled because its endpoint stopped receiving.
WEBHOOK_CANCELLED_ERROR = ("cancelled: the endpoint was deactivated or deleted before this was delivered "
                           "(reactivate it and redeliver to send it)")


def _webhook_url_checked(url: str) -> str:
    """``webhook_urls.webhook_url_check`` with its reason, word for word, as a 400."""
    try:
        return webhook_urls.webhook_url_check(url)
    except webhook_urls.WebhookUrlRefused as refused:
        raise WebhookEndpointRefused("webhook_url_refused", f"This URL cannot receive webhooks: {refused}.") from None


def _webhook_events_checked(events: list[str] | None) -> list[str]:
    """Known event names, duplicates dropped, in the order given; None or empty means every event."""
    events = list(dict.fromkeys(events or WebhookEvent.values))
    unknown = [event for event in events if event not in WebhookEvent.values]
    if unknown:
        raise WebhookEndpointRefused(
            "unknown_webhook_event",
            f"unknown webhook events: {', '.join(unknown)} (known: {', '.join(WebhookEvent.values)})")
    return events


def _webhook_secret_new() -> str:
    """The signing secret format every endpoint gets, from the API or the operator command."""
    return f"whsec_{secrets.token_urlsafe(32)}"


def _webhook_endpoint_room_check(*, partner: Partner) -> None:
    """Refuse one more active endpoint past ``settings.KYC_WEBHOOK_ENDPOINTS_MAX``. Locks the partner row
    first, so two concurrent registrations cannot both take the last place."""
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    active = WebhookEndpoint.objects.filter(partner=partner, is_active=True).count()
    limit = settings.KYC_WEBHOOK_ENDPOINTS_MAX
    if active >= limit:
        raise WebhookEndpointRefused(
            "webhook_endpoint_limit",
            f"You already have {active} active webhook endpoints; the limit is {limit}. "
            "Delete one you no longer use (DELETE /api/v1/webhooks/endpoints/{id}) first.", status=409)


def _webhook_actor(key: PartnerApiKey | None) -> tuple[str, dict]:
    """Who made an endpoint change: the partner's key (its public prefix in the details), or the CLI."""
    if key is None:
        return "system:cli", {"via": "cli"}
    return actor_label_for(key), {"via": "api", "key": key.display_prefix}


def _webhook_deliveries_cancel(*, endpoint: WebhookEndpoint) -> int:
    """Mark the endpoint's pending deliveries (and one in flight: its attempt's answer is recorded
    beside the cancellation) failed with ``WEBHOOK_CANCELLED_ERROR``: visible in
    ``GET /api/v1/webhooks/deliveries?status=failed`` and redeliverable once the endpoint is
    active again, never silently dropped. Returns how many."""
    # One statement, so each row's cancelled_while is what it was doing when this update locked it.
    return WebhookDelivery.objects.filter(endpoint=endpoint, status__in=[JobStatus.PENDING, JobStatus.IN_FLIGHT]).update(
        status=JobStatus.FAILED,
        cancelled_while=Case(When(status=JobStatus.IN_FLIGHT, then=Value("in_flight")), default=Value("pending")))


@transaction.atomic
def webhook_endpoint_create(
    *, partner: Partner, url: str, events: list[str] | None = None, key: PartnerApiKey | None = None,
    ip_address: str | None = None,
) -> WebhookEndpoint:
    """Register ``url`` for ``partner``'s events (all of them by default) with a new signing secret,
    which the caller shows once. The one way endpoints are made: the partner API (``key``) and
    ``manage.py partner_webhook_create`` (no key) alike.

    Refused with :class:`WebhookEndpointRefused`: the URL fails ``webhook_urls.webhook_url_check``
    (not http(s), credentials, not public), an unknown event, or the partner already has
    ``settings.KYC_WEBHOOK_ENDPOINTS_MAX`` active endpoints. Audited as ``webhook.endpoint_created``
    (never with the secret).
    """
    if key is not None and key.partner_id != partner.pk:
        raise ValueError("the key belongs to another partner")
    url = _webhook_url_checked(url)
    events = _webhook_events_checked(events)
    _webhook_endpoint_room_check(partner=partner)
    endpoint = WebhookEndpoint.objects.create(partner=partner, url=url, events=events, secret=_webhook_secret_new())
    actor_label, via = _webhook_actor(key)
    audit_record(action="webhook.endpoint_created", actor_label=actor_label, ip_address=ip_address,
                          details={"partner": partner.pk, "endpoint": endpoint.pk, "url": url, "events": events,
                                   **via})
    return endpoint


@dataclass(frozen=True)
class WebhookEndpointChange:
    endpoint: WebhookEndpoint
    cancelled_deliveries: int = 0


@transaction.atomic
def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, key: PartnerApiKey | None = None, url: str | None = None,
    events: list[str] | None = None, is_active: bool | None = None, ip_address: str | None = None,
) -> WebhookEndpointChange:
    """Change what is given (None leaves a field alone), under a row lock.

    A new URL passes the registration check again; pending deliveries go to it at their next
    attempt. New events apply to events raised from now on. ``is_active=False`` stops new events
    *and* cancels pending deliveries (see ``_webhook_deliveries_cancel``); ``is_active=True``
    counts against ``settings.KYC_WEBHOOK_ENDPOINTS_MAX`` again. Audited as ``webhook.endpoint_updated``
    with each changed field's old and new value, only when something changed.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    changes: dict[str, dict] = {}
    if url is not None:
        url = _webhook_url_checked(url)
        if url != endpoint.url:
            changes["url"] = {"from": endpoint.url, "to": url}
            endpoint.url = url
    if events is not None:
        events = _webhook_events_checked(events)
        if events != endpoint.events:
            changes["events"] = {"from": endpoint.events, "to": events}
            endpoint.events = events
    cancelled = 0
    if is_active is not None and is_active != endpoint.is_active:
        if is_active:
            _webhook_endpoint_room_check(partner=endpoint.partner)
        else:
            cancelled = _webhook_deliveries_cancel(endpoint=endpoint)
        changes["is_active"] = {"from": endpoint.is_active, "to": is_active}
        endpoint.is_active = is_active
    if changes:
        endpoint.save(update_fields=list(changes))
        actor_label, via = _webhook_actor(key)
        audit_record(action="webhook.endpoint_updated", actor_label=actor_label, ip_address=ip_address,
                              details={"partner": endpoint.partner_id, "endpoint": endpoint.pk, "changes": changes,
                                       "cancelled_deliveries": cancelled, **via})
    return WebhookEndpointChange(endpoint, cancelled)


@transaction.atomic
def webhook_endpoint_delete(
    *, endpoint: WebhookEndpoint, key: PartnerApiKey | None = None, ip_address: str | None = None,
) -> WebhookEndpointChange:
    """Delete = deactivate, keeping the row: its delivery history stays readable and
    redeliverable (deliveries belong to their endpoint, and a deleted row would take them along).
    It gets no new events, and its pending deliveries are cancelled, visibly (failed, with
    ``WEBHOOK_CANCELLED_ERROR``), not dropped. ``PATCH is_active=true`` brings it back. Audited as
    ``webhook.endpoint_deleted`` on every call, with how many deliveries it cancelled.
    """
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    was_active = endpoint.is_active
    cancelled = _webhook_deliveries_cancel(endpoint=endpoint)
    if was_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
    actor_label, via = _webhook_actor(key)
    audit_record(action="webhook.endpoint_deleted", actor_label=actor_label, ip_address=ip_address,
                          details={"partner": endpoint.partner_id, "endpoint": endpoint.pk, "url": endpoint.url,
                                   "was_active": was_active, "cancelled_deliveries": cancelled, **via})
    return WebhookEndpointChange(endpoint, cancelled)


@transaction.atomic
def webhook_endpoint_secret_rotate(
    *, endpoint: WebhookEndpoint, key: PartnerApiKey | None = None, ip_address: str | None = None,
) -> WebhookEndpoint:
    """A new signing secret, effective at once: every attempt from now on, including retries of
    deliveries created before, is signed with it (deliveries are signed when sent, not when
    created), and the old one signs nothing more. There is no overlap period: the model keeps
    one secret. Audited as ``webhook.endpoint_secret_rotated`` (never with either secret)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = _webhook_secret_new()
    endpoint.save(update_fields=["secret"])
    actor_label, via = _webhook_actor(key)
    audit_record(action="webhook.endpoint_secret_rotated", actor_label=actor_label, ip_address=ip_address,
                          details={"partner": endpoint.partner_id, "endpoint": endpoint.pk, **via})
    return endpoint
