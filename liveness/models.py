"""The KYC domain: cases, what users submitted, the checks run on it, and who decided.

Models are thin: they hold state and the rules that are pure facts about that
state (which case transitions exist). Every write that changes meaning goes
through ``liveness.services``, which also leaves an ``AuditEvent``.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .vendors.base import Metric, Operation


class CaseState(models.TextChoices):
    AWAITING_SUBMISSION = "awaiting_submission", "Awaiting submission"
    PROCESSING = "processing", "Processing"
    MANUAL_REVIEW = "manual_review", "Manual review"
    RETAKE_REQUESTED = "retake_requested", "Retake requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


#: Every legal move of a case. Approved and rejected are final.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.AWAITING_SUBMISSION: frozenset({CaseState.PROCESSING}),
    CaseState.PROCESSING: frozenset(
        {CaseState.APPROVED, CaseState.REJECTED, CaseState.MANUAL_REVIEW, CaseState.RETAKE_REQUESTED}
    ),
    CaseState.RETAKE_REQUESTED: frozenset({CaseState.PROCESSING}),
    CaseState.MANUAL_REVIEW: frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.RETAKE_REQUESTED}),
    CaseState.APPROVED: frozenset(),
    CaseState.REJECTED: frozenset(),
}


class CaseKind(models.TextChoices):
    SELFIE = "selfie", "Selfie (static liveness)"
    DIGIT_VIDEO = "digit_video", "Digit-reading video + ID-card photo"


class Partner(models.Model):
    """A partner app using the REST API. Keys and webhooks hang off it."""

    name = models.CharField(max_length=200, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=200, blank=True, help_text="The partner's own reference")
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    state = models.CharField(max_length=30, choices=CaseState.choices, default=CaseState.AWAITING_SUBMISSION)
    state_changed_at = models.DateTimeField(default=timezone.now)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state_changed_by_label = models.CharField(max_length=100, blank=True, help_text="Who or what moved it")
    state_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The reviewer queue pages by keyset on (created_at, id), within a state or across all.
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["created_at", "id"], name="case_created_keyset_idx"),
            models.Index(fields=["partner", "reference"]),
            models.Index(fields=["reference"], name="case_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"Case {self.public_id} ({self.state})"

    def can_move_to(self, state: str) -> bool:
        return state in CASE_TRANSITIONS[self.state]


class MediaKind(models.TextChoices):
    SELFIE = "selfie", "Selfie"
    VIDEO = "video", "Digit video"
    CARD = "card", "ID-card photo"
    BEST_FRAME = "best_frame", "Best frame (returned)"
    FACE_CROP = "face_crop", "Face crop (returned)"


class MediaBlob(models.Model):
    """Biometric media, AES-GCM encrypted in storage (see ``liveness.media``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=MediaKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text="Plaintext bytes")
    sha256 = models.CharField(max_length=64, help_text="Of the plaintext")
    key_id = models.CharField(max_length=50)
    file = models.FileField(upload_to="blobs/", max_length=300)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class Challenge(models.Model):
    """Digits a user must read aloud; bound to one case, used once, expiring."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="challenges")
    digits = models.CharField(max_length=12)
    provider = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Challenge {self.digits} for case {self.case_id}"


class Submission(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    selfie = models.ForeignKey(MediaBlob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    video = models.ForeignKey(MediaBlob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    card = models.ForeignKey(MediaBlob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    challenge = models.OneToOneField(Challenge, null=True, blank=True, on_delete=models.PROTECT)
    source = models.CharField(max_length=30, default="browser")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.kind}) of case {self.case_id}"


class CheckStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (no usable answer)"


class Check(models.Model):
    """One provider operation on one submission.

    ``done`` means the provider answered (the person may still have failed:
    see ``passed`` and ``error_code``); ``failed`` means no usable answer was
    obtained within the retry budget, or a permanent error ended it.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="checks")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="checks")
    provider = models.CharField(max_length=100)
    operation = models.CharField(max_length=30, choices=Operation.CHOICES)
    status = models.CharField(max_length=20, choices=CheckStatus.choices, default=CheckStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
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
    best_frame = models.ForeignKey(MediaBlob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    face_crop = models.ForeignKey(MediaBlob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "claimed_at"])]

    def __str__(self) -> str:
        return f"Check {self.pk} {self.provider}/{self.operation} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in (CheckStatus.DONE, CheckStatus.FAILED)


class AttemptOutcome(models.TextChoices):
    STARTED = "started", "Started (no answer recorded)"
    ANSWERED = "answered", "Vendor answered"
    TRANSIENT_ERROR = "transient_error", "Transient error"
    PERMANENT_ERROR = "permanent_error", "Permanent error"
    ABANDONED = "abandoned", "Abandoned (worker stopped mid-call)"


class Attempt(models.Model):
    """One call to a provider, saved *before* the call is made.

    A row left in ``started`` means the process died during the call: the vendor
    may or may not have been reached. It is marked ``abandoned`` when the check is
    reclaimed, so every vendor call is accounted for.
    """

    check_run = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices, default=AttemptOutcome.STARTED)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error_vendor = models.CharField(max_length=30, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["check_run", "number"], name="attempt_unique_number")]
        ordering = ["number"]

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


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    RETAKE = "retake", "Request a retake"


class Decision(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    reason_code = models.CharField(max_length=50)
    user_message = models.TextField(blank=True)
    internal_comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_by_label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.outcome} case {self.case_id} ({self.reason_code})"


class AuditEvent(models.Model):
    """Append-only record of who did or saw what. Never updated, never deleted with media."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=100, help_text="user:<name>, system:pipeline, partner:<id>, ...")
    action = models.CharField(max_length=60, db_index=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events")
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"

from .partner_models import *  # noqa
from .dashboard_models import *  # noqa
