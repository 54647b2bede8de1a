"""Checks: one provider operation on one submission, each vendor call (attempt) made for it, the
scores it returned and the versioned thresholds that judged them."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from liveness.jobs.models import Job, JobAttempt, JobStatus
from liveness.vendors.base import Metric, Operation

#: Checks are jobs (``liveness.jobs``): their status is the job status.
CheckStatus = JobStatus


class Check(Job):
    """One provider operation on one submission.

    ``done`` means the provider answered (the person may still have failed:
    see ``passed`` and ``error_code``); ``failed`` means no usable answer was
    obtained within the retry budget, or a permanent error ended it.
    """

    submission = models.ForeignKey("cases.Submission", on_delete=models.CASCADE, related_name="checks")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="checks")
    provider = models.CharField(max_length=100)
    operation = models.CharField(max_length=30, choices=Operation.CHOICES)
    passed = models.BooleanField(null=True)
    error_vendor = models.CharField(max_length=30, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    error_category = models.CharField(max_length=30, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    findings = models.JSONField(default=list, blank=True)
    recognised_digits = models.CharField(max_length=20, blank=True)
    raw_response = models.JSONField(default=dict, blank=True, help_text="Vendor answer, images removed")
    best_frame = models.ForeignKey("media.MediaBlob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    face_crop = models.ForeignKey("media.MediaBlob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"Check {self.pk} {self.provider}/{self.operation} ({self.status})"


class Attempt(JobAttempt):
    """One call to a provider for a check (``liveness.jobs.models.JobAttempt``), with the vendor
    whose code ``error_code`` is."""

    check_run = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="attempt_rows")
    error_vendor = models.CharField(max_length=30, blank=True)

    class Meta(JobAttempt.Meta):
        constraints = [models.UniqueConstraint(fields=["check_run", "number"], name="attempt_unique_number")]

    def __str__(self) -> str:
        return f"Attempt {self.number} of check {self.check_run_id}: {self.outcome}"


class ThresholdPolicy(models.Model):
    """A versioned threshold for one provider metric, on the vendor's own scale.

    The current policy is the highest version; every Score records the version
    that judged it, so a later change never rewrites history.
    """

    provider = models.CharField(max_length=100)
    metric = models.CharField(max_length=30, choices=Metric.CHOICES)
    version = models.PositiveIntegerField()
    value = models.FloatField()
    scale = models.FloatField(default=100.0)
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "metric", "version"], name="threshold_unique_version")
        ]
        ordering = ["provider", "metric", "-version"]
        verbose_name_plural = "threshold policies"

    def __str__(self) -> str:
        return f"{self.provider}/{self.metric} v{self.version} = {self.value:g}"


class Score(models.Model):
    """A number a provider returned, beside the threshold that judged it."""

    check_run = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="scores")
    metric = models.CharField(max_length=30)
    value = models.FloatField()
    scale = models.FloatField(default=100.0)
    threshold = models.FloatField(null=True, blank=True, help_text="Empty: informational, not judged")
    policy = models.ForeignKey(ThresholdPolicy, null=True, blank=True, on_delete=models.PROTECT)
    passed = models.BooleanField(null=True)

    def __str__(self) -> str:
        return f"{self.metric} {self.value:g} (threshold {self.threshold})"
