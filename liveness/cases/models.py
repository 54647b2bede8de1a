"""The KYC domain: cases, what users submitted, the digits they were asked to read, who decided,
the audit trail and the outbox of events partners receive.

Models are thin: they hold state and the rules that are pure facts about that state (which case
transitions exist). Every write that changes meaning goes through ``liveness.cases.services``,
which also leaves an ``AuditEvent``.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class CaseState(models.TextChoices):
    AWAITING_SUBMISSION = "awaiting_submission", "Awaiting submission"
    PROCESSING = "processing", "Processing"
    MANUAL_REVIEW = "manual_review", "Manual review"
    RETAKE_REQUESTED = "retake_requested", "Retake requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Consent withdrawn"


#: Every legal move of a case. Approved, rejected and withdrawn are final. A person may withdraw
#: their consent from any open state (``liveness.cases.consent.case_consent_withdraw``).
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseState.AWAITING_SUBMISSION: frozenset({CaseState.PROCESSING, CaseState.WITHDRAWN}),
    CaseState.PROCESSING: frozenset(
        {CaseState.APPROVED, CaseState.REJECTED, CaseState.MANUAL_REVIEW, CaseState.RETAKE_REQUESTED,
         CaseState.WITHDRAWN}
    ),
    CaseState.RETAKE_REQUESTED: frozenset({CaseState.PROCESSING, CaseState.WITHDRAWN}),
    CaseState.MANUAL_REVIEW: frozenset({CaseState.APPROVED, CaseState.REJECTED, CaseState.RETAKE_REQUESTED,
                                        CaseState.WITHDRAWN}),
    CaseState.APPROVED: frozenset(),
    CaseState.REJECTED: frozenset(),
    CaseState.WITHDRAWN: frozenset(),
}


class CaseKind(models.TextChoices):
    SELFIE = "selfie", "Selfie (static liveness)"
    DIGIT_VIDEO = "digit_video", "Digit-reading video + ID-card photo"


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=200, blank=True, help_text="The partner's own reference")
    partner = models.ForeignKey("partners.Partner", null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    state = models.CharField(max_length=30, choices=CaseState.choices, default=CaseState.AWAITING_SUBMISSION)
    state_changed_at = models.DateTimeField(default=timezone.now)
    state_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state_changed_by_label = models.CharField(max_length=100, blank=True, help_text="Who or what moved it")
    state_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    test_mode = models.BooleanField(
        default=False, editable=False,
        help_text="Opened with a test API key (kyc_test_): every challenge and check of this case runs on the "
                  "local engine, never on a paid vendor, whichever door (API or capture link) it comes through")
    challenges_issued = models.PositiveIntegerField(
        default=0, editable=False,
        help_text="Digit challenges asked of a provider for this case (KYC_CHALLENGES_PER_CASE caps it)")

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


class DigitLanguage(models.TextChoices):
    """What the person reads the digits in (``liveness.vendors.languages``)."""

    ENGLISH = "en", "English"
    MANDARIN = "zh", "Mandarin"


class Challenge(models.Model):
    """Digits a user must read aloud; bound to one case, used once, expiring."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="challenges")
    digits = models.CharField(max_length=12)
    provider = models.CharField(max_length=100)
    language = models.CharField(
        max_length=5, choices=DigitLanguage.choices, default=DigitLanguage.ENGLISH,
        help_text="What the person said they would read the digits in; the check passes it to the provider")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Challenge {self.digits} for case {self.case_id}"


class CaptureLinkUse(models.Model):
    """Digit challenges one capture link (one signed token) asked for: ``KYC_CHALLENGES_PER_LINK``
    caps it, apart from the case's own ``KYC_CHALLENGES_PER_CASE``. Only a digest of the token is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="capture_link_uses")
    token_digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the capture link's token")
    challenges_issued = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Capture link {self.token_digest[:12]} of case {self.case_id}: {self.challenges_issued} challenges"


class Submission(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    selfie = models.ForeignKey("media.MediaBlob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    video = models.ForeignKey("media.MediaBlob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    card = models.ForeignKey("media.MediaBlob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    challenge = models.OneToOneField(Challenge, null=True, blank=True, on_delete=models.PROTECT)
    source = models.CharField(max_length=30, default="browser")
    camera_motion = models.FloatField(
        null=True, blank=True,
        help_text="A camera selfie's burst: the share of the picture that moved between its frames "
                  "(liveness.media.burst); empty for an uploaded file")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.kind}) of case {self.case_id}"


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
    decided_by_role = models.CharField(
        max_length=20, blank=True,
        help_text="What the decider was when deciding (reviewer, supervisor), shown to partners instead of a name")
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


class OutboxEvent(models.Model):
    """An event partners may receive, written in the same transaction as the change that caused it.

    The relay (``liveness.partners.webhooks.relay``) turns it into webhook deliveries and stamps
    ``relayed_at``; nothing between the commit and the deliveries can lose it.
    """

    CASE_STATE_CHANGED = "case.state_changed"
    #: consent withdrawn from a case that stays where it is (approved or rejected): no move, but the
    #: partner must still learn that the person's media is gone
    CONSENT_WITHDRAWN = "case.consent_withdrawn"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outbox_events")
    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["id"], name="outbox_unrelayed_idx", condition=models.Q(relayed_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.kind} of case {self.case_id} ({'relayed' if self.relayed_at else 'pending'})"


class ConsentSource(models.TextChoices):
    CAPTURE_PAGE = "capture_page", "The person, on the capture page's privacy notice"
    PARTNER_API = "partner_api", "The partner, through the API (consent collected in its own app)"


class Consent(models.Model):
    """A person's explicit consent to the privacy notice, for one case. Recorded by
    ``liveness.cases.consent.case_consent_record`` (audited ``case.consent_given``); the only later
    change is ``withdrawn_at``, set once by ``case_consent_withdraw`` (audited ``case.consent_withdrawn``).

    A case takes no upload without one (the capture pages need one from their own notice; the
    partner API accepts the partner's record too)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    notice_version = models.CharField(max_length=50, help_text="The version of the notice the person accepted")
    given_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=ConsentSource.choices)
    language = models.CharField(max_length=10, blank=True, help_text="The language the notice was shown in")
    actor_label = models.CharField(max_length=100)
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the person withdrew it (their media was deleted then)")

    class Meta:
        ordering = ["-given_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["case", "source"], name="consent_once_per_case_and_source")]

    def __str__(self) -> str:
        return f"consent of case {self.case_id} to notice {self.notice_version} ({self.source})"
