"""Partners and how they talk to us: API keys, idempotency records, webhook endpoints and
deliveries. Writes go through ``liveness.partners.services`` and ``liveness.partners.webhooks``.
"""
from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from liveness.jobs.models import Job, JobAttempt, JobStatus


class Partner(models.Model):
    """A partner app using the REST API. Keys and webhooks hang off it."""

    name = models.CharField(max_length=200, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class PartnerApiKey(models.Model):
    """A partner's API key: ``kyc_<live|test>_<prefix>_<secret>``.

    Only the public ``prefix`` (to find the row) and the SHA-256 of the secret are stored;
    the full key is shown once, when it is created. SHA-256 rather than a slow password
    hash is deliberate: the secret is 256 random bits (``secrets.token_urlsafe(32)``), so
    there is nothing to brute-force, and every API request verifies a key — a slow hash
    there would only cost latency. Test keys (``is_test``) never reach a paid vendor: their
    checks run on the local engine.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, help_text="What the partner uses it for")
    prefix = models.CharField(max_length=16, unique=True, help_text="Public part of the key; identifies it")
    secret_sha256 = models.CharField(max_length=64)
    is_test = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "partner API key"

    def __str__(self) -> str:
        return f"{self.display_prefix}… ({self.partner_id})"

    @property
    def mode(self) -> str:
        return "test" if self.is_test else "live"

    @property
    def display_prefix(self) -> str:
        return f"kyc_{self.mode}_{self.prefix}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST sent with an ``Idempotency-Key`` header, kept 24 hours.

    ``response_status`` is empty while the first request is still being processed;
    the unique constraint on (partner, key) makes exactly one of two concurrent
    requests the owner of a key.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of method, path and body")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "key"], name="idempotency_unique_partner_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}] → {self.response_status}"


class WebhookEvent(models.TextChoices):
    CHECKS_COMPLETED = "case.checks_completed", "Checks completed (the case left processing)"
    DECIDED = "case.decided", "Decided (approved or rejected)"
    RETAKE_REQUESTED = "case.retake_requested", "Retake requested"
    CONSENT_WITHDRAWN = "case.consent_withdrawn", "Consent withdrawn (the case ended, its media deleted)"


def _all_events() -> list[str]:
    return list(WebhookEvent.values)


class WebhookEndpoint(models.Model):
    """Where a partner wants events POSTed, signed with ``secret`` (HMAC-SHA256)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Shared HMAC key; shown to the partner once")
    events = models.JSONField(default=_all_events, help_text="Event names this endpoint receives")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.url} ({self.partner_id})"


class WebhookDelivery(Job):
    """One event for one endpoint: a job (``liveness.jobs``) with one ``DeliveryAttempt`` per POST.

    What happened on the latest attempt (status code, latency, error) is read from the attempt rows
    (``liveness.partners.webhooks.history``), not copied here; the row keeps only what no attempt
    says: whether it was cancelled because its endpoint stopped receiving (``cancelled_while``).

    ``event_id`` stays the same across redeliveries (receivers deduplicate on it); a redelivery is
    a new row pointing at the original. Partners see the status as pending / delivered / failed
    (``API_STATUS``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(max_length=50, choices=WebhookEvent.choices)
    payload = models.JSONField()
    cancelled_while = models.CharField(
        max_length=20, blank=True, choices=[("", "Not cancelled"), ("pending", "Pending"), ("in_flight", "In flight")],
        help_text="Cancelled because its endpoint stopped receiving: what the delivery was doing then")
    redelivery_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    #: Job status -> the word partners see (an attempt in flight is still pending to them).
    API_STATUS = {JobStatus.PENDING: "pending", JobStatus.IN_FLIGHT: "pending", JobStatus.DONE: "delivered",
                  JobStatus.FAILED: "failed"}

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status}, {self.attempts} attempts)"

    @classmethod
    def statuses_for_api(cls, api_status: str) -> list[str]:
        """The job statuses a partner's ``?status=`` word covers."""
        return [status for status, word in cls.API_STATUS.items() if word == api_status]

    @property
    def api_status(self) -> str:
        return self.API_STATUS[self.status]

    @property
    def delivered_at(self):
        return self.finished_at if self.status == JobStatus.DONE else None


class DeliveryAttempt(JobAttempt):
    """One POST of a delivery, saved before it is sent (``liveness.jobs.models.JobAttempt``)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows")

    class Meta(JobAttempt.Meta):
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_unique_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}: {self.outcome}"
