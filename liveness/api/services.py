"""Use cases of the partner API: keys, idempotency, API-side case actions, webhooks.

Case use cases themselves live in ``liveness.services``; the functions here add what
only the API needs (who the partner is, test-key isolation, audited photo access,
signed webhook delivery). Keyword-only ``<entity>_<action>`` functions, atomic
where they write; HTTP calls to partners are never made inside a transaction.
"""
from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import media, services
from ..errors import UserFacingError
from ..capture.links import capture_token_make
from ..models import Case, CaseState, Challenge, Partner, Submission
from ..partner_models import (
    IdempotencyRecord,
    PartnerApiKey,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from ..queueing import enqueue_or_leave_for_sweep
from ..security.attempt_window import attempt_count, attempts_so_far
from . import webhook_urls, webhooks

logger = logging.getLogger(__name__)

KEY_PREFIX_BYTES = 6  # 12 hex characters: public, only has to be unique
KEY_SECRET_BYTES = 32  # 256 random bits
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write a row on every request
IDEMPOTENCY_TTL = timedelta(hours=24)
#: Test keys run their checks here, never on a paid vendor.
TEST_PROVIDER = "local"
#: An attempt in flight longer than this was lost with its worker and may be claimed again.
WEBHOOK_CLAIM_STALE_AFTER = timedelta(seconds=60)


def actor_label_for(key: PartnerApiKey) -> str:
    return f"partner:{key.partner_id}"


# --- API keys ------------------------------------------------------------------------------

def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def key_create(*, partner: Partner, is_test: bool = False, name: str = "") -> tuple[PartnerApiKey, str]:
    """Create a key and return it with its full text, which is never stored and cannot be shown again."""
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    secret = secrets.token_urlsafe(KEY_SECRET_BYTES)
    key = PartnerApiKey.objects.create(partner=partner, prefix=prefix, secret_sha256=_sha256(secret),
                                       is_test=is_test, name=name)
    services.audit_record(action="api_key.created", actor_label="system:cli",
                          details={"partner": partner.pk, "prefix": key.display_prefix, "test": is_test})
    return key, f"kyc_{key.mode}_{prefix}_{secret}"


def key_parse(raw: str) -> tuple[str, str, str] | None:
    """``kyc_<live|test>_<prefix>_<secret>`` → (mode, prefix, secret), or None when malformed."""
    parts = raw.split("_", 3)
    if len(parts) != 4 or parts[0] != "kyc" or parts[1] not in ("live", "test") or not parts[2] or not parts[3]:
        return None
    return parts[1], parts[2], parts[3]


def key_authenticate(*, raw: str) -> PartnerApiKey | None:
    """The active key this text names, or None (unknown, wrong secret, revoked, mode mismatch, partner off)."""
    parsed = key_parse(raw)
    if parsed is None:
        return None
    mode, prefix, secret = parsed
    key = PartnerApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_sha256, _sha256(secret)):
        return None
    if key.revoked_at is not None or key.mode != mode or not key.partner.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def key_failures_blocked(*, address: str) -> int | None:
    """Seconds until ``address`` may try API keys again, or None when it is not blocked."""
    so_far = attempts_so_far(name=f"api:key-failures:{address}", window=settings.KYC_API_KEY_FAILURE_WINDOW)
    return so_far.retry_after if so_far.count >= settings.KYC_API_KEY_FAILURE_LIMIT else None


def key_failure_record(*, address: str) -> None:
    """Count one invalid key from ``address`` in its window (fixed, from its first failure, in the
    shared cache). Reaching the limit is audited once per window (``api.key_guessing_blocked``)."""
    window = settings.KYC_API_KEY_FAILURE_WINDOW
    count = attempt_count(name=f"api:key-failures:{address}", window=window).count
    if count == settings.KYC_API_KEY_FAILURE_LIMIT:
        logger.warning("partner API: %s sent %s invalid API keys; refused for %s s", address, count, window)
        services.audit_record(action="api.key_guessing_blocked", actor_label=f"address:{address}"[:100],
                              ip_address=address if address != "unknown" else None,
                              details={"failures": count, "window_s": window})


@transaction.atomic
def key_revoke(*, key: PartnerApiKey, actor_label: str, reason: str = "") -> PartnerApiKey:
    """Refuse the key from now on (``key_authenticate`` reads the row on every request); final
    and audited once: revoking a revoked key changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        services.audit_record(action="api_key.revoked", actor_label=actor_label,
                              details={"partner": key.partner_id, "prefix": key.display_prefix, "reason": reason})
    return key


# --- idempotency -------------------------------------------------------------------------

class IdempotencyState(enum.Enum):
    NEW = "new"  # this request owns the key: process it, then complete or abandon the record
    REPLAY = "replay"  # answered before: send the stored response
    MISMATCH = "mismatch"  # same key, different request: 422
    IN_PROGRESS = "in_progress"  # the first request with this key has not finished: 409


@dataclass(frozen=True)
class IdempotencyClaim:
    state: IdempotencyState
    record: IdempotencyRecord


def request_fingerprint(*, method: str, path: str, body_digest: str) -> str:
    return hashlib.sha256(f"{method.upper()}\n{path}\n{body_digest}".encode()).hexdigest()


def idempotency_claim(*, partner: Partner, key: str, method: str, path: str, fingerprint: str) -> IdempotencyClaim:
    """Own the key (insert wins) or find what happened to it.

    The insert commits on its own, before the request is processed, so a concurrent
    request with the same key hits the unique constraint and sees it in progress.
    An expired record is replaced.
    """
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    partner=partner, key=key, method=method.upper(), path=path, fingerprint=fingerprint,
                    created_at=now, expires_at=now + IDEMPOTENCY_TTL)
            return IdempotencyClaim(IdempotencyState.NEW, record)
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(partner=partner, key=key).first()
            if record is None:  # expired and deleted by a concurrent request: try the insert again
                continue
            if record.expires_at <= now:
                IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
                continue
            if record.fingerprint != fingerprint:
                return IdempotencyClaim(IdempotencyState.MISMATCH, record)
            if record.response_status is None:
                return IdempotencyClaim(IdempotencyState.IN_PROGRESS, record)
            return IdempotencyClaim(IdempotencyState.REPLAY, record)
    raise RuntimeError("idempotency key kept changing under us")


def idempotency_complete(*, record: IdempotencyRecord, status: int, body) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=status, response_body=body)


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    """The request failed on our side (5xx): free the key so the partner's retry is processed."""
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()


def idempotency_purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- cases through the API ------------------------------------------------------------------

def case_open_for(*, key: PartnerApiKey, kind: str, reference: str) -> Case:
    return services.case_open(kind=kind, reference=reference, partner=key.partner, actor_label=actor_label_for(key))


def challenge_issue_for(*, key: PartnerApiKey, case: Case) -> Challenge:
    """Digits for a video case. A test key gets them from the local engine, never from a vendor."""
    return services.challenge_issue(case=case, actor_label=actor_label_for(key),
                                    provider_name=TEST_PROVIDER if key.is_test else None)


def submission_accept_for(
    *, key: PartnerApiKey, case: Case, selfie: bytes | None = None, video: bytes | None = None,
    card: bytes | None = None, challenge_id: int | None = None,
) -> Submission:
    """``services.submission_accept`` for a partner; a test key's checks are pinned to the local engine."""
    return services.submission_accept(
        case=case, actor_label=actor_label_for(key), source=f"api:{key.mode}", selfie=selfie, video=video,
        card=card, challenge_id=challenge_id, provider_name=TEST_PROVIDER if key.is_test else None)


def capture_link_create(*, key: PartnerApiKey, case: Case, path_for) -> tuple[str, datetime]:
    """A signed link the partner sends to its end user; ``path_for(token)`` builds the absolute URL."""
    if case.state not in (CaseState.AWAITING_SUBMISSION, CaseState.RETAKE_REQUESTED):
        raise services.SubmissionRefused("case_not_accepting", "This case takes no new submission.", status=409)
    url = path_for(capture_token_make(case=case))
    expires_at = timezone.now() + timedelta(seconds=settings.KYC_CAPTURE_LINK_MAX_AGE)
    services.audit_record(action="capture_link.created", actor_label=actor_label_for(key), case=case,
                          details={"expires_at": expires_at.isoformat()})
    return url, expires_at


def case_viewed(*, key: PartnerApiKey, case: Case | None, ip_address: str | None, details: dict | None = None) -> None:
    services.audit_record(action="api.case_viewed" if case else "api.cases_listed", actor_label=actor_label_for(key),
                          case=case, details=details or {}, ip_address=ip_address)


def case_photos_read(*, key: PartnerApiKey, case: Case, ip_address: str | None) -> list[dict]:
    """The photos the providers returned (best frame, face crop), base64, one audit event per photo read."""
    photos = []
    for check in case.checks.select_related("best_frame", "face_crop").order_by("created_at", "pk"):
        for role in ("best_frame", "face_crop"):
            blob = getattr(check, role)
            if blob is None or blob.purged_at:
                continue
            data = media.blob_read(blob)
            services.audit_record(action="media.viewed", actor_label=actor_label_for(key), case=case,
                                  ip_address=ip_address,
                                  details={"blob": str(blob.id), "kind": role, "check": check.pk, "via": "api"})
            photos.append({"check_id": check.pk, "role": role, "content_type": blob.content_type,
                           "width": blob.width, "height": blob.height,
                           "data_base64": base64.b64encode(data).decode()})
    return photos


# --- webhooks ----------------------------------------------------------------------------

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
    """Mark the endpoint's pending deliveries failed with ``WEBHOOK_CANCELLED_ERROR``: visible in
    ``GET /api/v1/webhooks/deliveries?status=failed`` and redeliverable once the endpoint is
    active again, never silently dropped. Returns how many."""
    return WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDeliveryStatus.PENDING).update(
        status=WebhookDeliveryStatus.FAILED, last_error=WEBHOOK_CANCELLED_ERROR)


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
    services.audit_record(action="webhook.endpoint_created", actor_label=actor_label, ip_address=ip_address,
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
        services.audit_record(action="webhook.endpoint_updated", actor_label=actor_label, ip_address=ip_address,
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
    services.audit_record(action="webhook.endpoint_deleted", actor_label=actor_label, ip_address=ip_address,
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
    services.audit_record(action="webhook.endpoint_secret_rotated", actor_label=actor_label, ip_address=ip_address,
                          details={"partner": endpoint.partner_id, "endpoint": endpoint.pk, **via})
    return endpoint


def webhook_events_emit(*, case_id: int, previous: str, state: str) -> list[WebhookDelivery]:
    """Create one delivery per (subscribed endpoint, event) of this transition and queue them on commit."""
    events = webhooks.events_for_transition(previous=previous, state=state)
    if not events:
        return []
    case = Case.objects.filter(pk=case_id, partner__isnull=False).first()
    if case is None:
        return []
    deliveries = []
    now = timezone.now()
    with transaction.atomic():
        for endpoint in WebhookEndpoint.objects.filter(partner_id=case.partner_id, is_active=True).order_by("pk"):
            for event in events:
                if event not in endpoint.events:
                    continue
                delivery = WebhookDelivery(endpoint=endpoint, case=case, event=event, next_attempt_at=now)
                delivery.payload = webhooks.payload_make(
                    event_id=str(delivery.event_id), event=event, case_public_id=str(case.public_id),
                    reference=case.reference, state=state, at=now)
                delivery.save()
                deliveries.append(delivery)
        for delivery in deliveries:
            transaction.on_commit(lambda pk=delivery.pk: _enqueue_delivery(pk))
    return deliveries


def _enqueue_delivery(delivery_id) -> None:
    """After the commit: a broker that is down leaves the delivery pending for ``webhook_deliveries_requeue``."""
    from .tasks import webhook_deliver_task

    enqueue_or_leave_for_sweep(lambda: webhook_deliver_task.delay(str(delivery_id)),
                               what=f"webhook delivery {delivery_id}", sweep="the webhook sweep")


class DeliveryOutcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class DeliveryResult:
    outcome: DeliveryOutcome
    retry_in: int | None = None


def retry_delays() -> tuple[int, ...]:
    return tuple(settings.KYC_WEBHOOK_RETRY_DELAYS)


def webhook_delivery_claim(*, delivery_id) -> WebhookDelivery | None:
    """Take a pending delivery for one attempt, or None (done, failed, early, or another attempt in
    flight). An inactive endpoint receives nothing: its delivery is cancelled here instead."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update().select_related("endpoint")
                    .filter(pk=delivery_id).first())
        if delivery is None or delivery.status != WebhookDeliveryStatus.PENDING:
            return None
        if not delivery.endpoint.is_active:  # deactivated without the API (admin): the same rule
            delivery.status = WebhookDeliveryStatus.FAILED
            delivery.last_error = WEBHOOK_CANCELLED_ERROR
            delivery.save(update_fields=["status", "last_error"])
            return None
        if delivery.claimed_at and delivery.claimed_at > now - WEBHOOK_CLAIM_STALE_AFTER:
            return None
        if delivery.next_attempt_at > now + timedelta(seconds=1):
            return None
        delivery.attempts += 1
        delivery.claimed_at = now
        delivery.save(update_fields=["attempts", "claimed_at"])
    return delivery


def webhook_deliver(*, delivery_id) -> DeliveryResult:
    """One attempt: claim, POST the signed body (KYC_WEBHOOK_TIMEOUT, 5 s; no redirects), record the outcome.

    A 2xx answer is delivered; anything else (other status, timeout, refused
    connection) schedules the next attempt on ``retry_delays()``; after the last
    one the delivery is failed, visible in ``GET /api/v1/webhooks/deliveries``.
    """
    delivery = webhook_delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return DeliveryResult(DeliveryOutcome.SKIPPED)
    endpoint = delivery.endpoint
    body = webhooks.body_encode(delivery.payload)
    headers = webhooks.headers_make(secret=endpoint.secret, body=body, event=delivery.event,
                                    delivery_id=str(delivery.pk))
    status_code, error, permanent = None, "", False
    started = time.monotonic()
    try:
        with webhook_urls.public_session() as session:
            response = session.post(endpoint.url, data=body, headers=headers, allow_redirects=False,
                                    timeout=settings.KYC_WEBHOOK_TIMEOUT)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}: {response.text[:200]}"
    except requests.Timeout:
        error = "timed out"
    except requests.RequestException as exc:
        refused = _non_public_reason(exc)
        if refused is not None:  # trying again cannot help: an operator must fix the URL or its DNS
            error, permanent = f"refused: {refused}", True
        else:
            error = f"{type(exc).__name__}: {exc}"[:500]
    latency_ms = int((time.monotonic() - started) * 1000)
    return webhook_delivery_record(delivery=delivery, status_code=status_code, latency_ms=latency_ms, error=error,
                                   permanent=permanent)


def _non_public_reason(exc: BaseException) -> webhook_urls.NonPublicAddress | None:
    """The NonPublicAddress somewhere inside what urllib3 and requests wrapped it in (their
    exceptions carry it in ``args``, ``reason`` or the ``raise ... from`` chain), if that was it."""
    pending, seen = [exc], set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, webhook_urls.NonPublicAddress):
            return error
        pending += [inner for inner in (*error.args, getattr(error, "reason", None), error.__cause__,
                                        error.__context__) if isinstance(inner, BaseException)]
    return None


@transaction.atomic
def webhook_delivery_record(*, delivery: WebhookDelivery, status_code: int | None, latency_ms: int,
                            error: str, permanent: bool = False) -> DeliveryResult:
    now = timezone.now()
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    delivery.claimed_at = None
    delivery.last_status_code = status_code
    delivery.last_latency_ms = latency_ms
    delivery.last_error = error
    delays = retry_delays()
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDeliveryStatus.DELIVERED
        delivery.delivered_at = now
        result = DeliveryResult(DeliveryOutcome.DELIVERED)
    elif delivery.status == WebhookDeliveryStatus.FAILED:  # cancelled while this attempt was in flight
        delivery.last_error = f"{WEBHOOK_CANCELLED_ERROR}; the attempt in flight got: {error}"
        result = DeliveryResult(DeliveryOutcome.FAILED)
    elif permanent:
        delivery.status = WebhookDeliveryStatus.FAILED
        result = DeliveryResult(DeliveryOutcome.FAILED)
    elif delivery.attempts <= len(delays):
        delay = delays[delivery.attempts - 1]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        result = DeliveryResult(DeliveryOutcome.RETRY, retry_in=delay)
    else:
        delivery.status = WebhookDeliveryStatus.FAILED
        delivery.last_error = f"{error} (gave up after {delivery.attempts} attempts)"
        result = DeliveryResult(DeliveryOutcome.FAILED)
    delivery.save()
    return result


@transaction.atomic
def webhook_redeliver(*, key: PartnerApiKey, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send an event again as a new delivery (same event id, fresh attempt budget), queued on commit.
    Refused (409 ``webhook_endpoint_inactive``) while its endpoint is inactive: it would be
    cancelled unsent."""
    if not delivery.endpoint.is_active:
        raise WebhookEndpointRefused(
            "webhook_endpoint_inactive",
            f"Webhook endpoint {delivery.endpoint_id} is inactive (deleted); reactivate it with "
            f"PATCH /api/v1/webhooks/endpoints/{delivery.endpoint_id} {{\"is_active\": true}} first.", status=409)
    copy = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint, case=delivery.case, event=delivery.event, event_id=delivery.event_id,
        payload=delivery.payload, redelivery_of=delivery)
    services.audit_record(action="webhook.redelivered", actor_label=actor_label_for(key), case=delivery.case,
                          details={"delivery": str(delivery.pk), "redelivery": str(copy.pk)})
    transaction.on_commit(lambda: _enqueue_delivery(copy.pk))
    return copy


def webhook_delivery_ids_needing_requeue(*, lost_after_s: int = 120) -> list:
    """Pending deliveries whose queued message was lost or whose worker died mid-attempt."""
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(status=WebhookDeliveryStatus.PENDING,
                                       next_attempt_at__lt=now - timedelta(seconds=lost_after_s))
        .exclude(claimed_at__gt=now - WEBHOOK_CLAIM_STALE_AFTER)
        .values_list("pk", flat=True)[:500])
