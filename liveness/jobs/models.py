"""The one shape of background work that calls something outside: a job row and one attempt row per try.

Checks (a vendor call) and webhook deliveries (a call to a partner) are both jobs. A job is
claimed for one attempt at a time, its attempt row is saved *before* the call, a transient
failure schedules the next attempt on a fixed schedule from settings, and it always ends
``done`` or ``failed`` (``liveness.jobs.services``).
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (no usable answer)"


TERMINAL = (JobStatus.DONE, JobStatus.FAILED)


class Job(models.Model):
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="An attempt is in flight since then")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    requeued_at = models.DateTimeField(null=True, blank=True, help_text="Last queued again by the sweep")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


class AttemptOutcome(models.TextChoices):
    STARTED = "started", "Started (no answer recorded)"
    ANSWERED = "answered", "Answered"
    TRANSIENT_ERROR = "transient_error", "Transient error"
    PERMANENT_ERROR = "permanent_error", "Permanent error"
    ABANDONED = "abandoned", "Abandoned (worker stopped mid-call)"


class JobAttempt(models.Model):
    """One call, saved *before* it is made.

    A row left in ``started`` means the process died during the call: the other side may or may
    not have been reached. It is marked ``abandoned`` when the job is reclaimed, so every call is
    accounted for.
    """

    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
        ordering = ["number"]
