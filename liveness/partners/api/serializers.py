"""Request validation and response shapes of the partner API.

Input serializers only check form (types, lengths, base64); whether a case can
take a submission, and whether media is acceptable, is decided by the services so
the API, the capture pages and the CLI answer with the same codes.
"""
from __future__ import annotations

import base64
import binascii

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from liveness.cases import selectors as case_selectors
from liveness.cases.consent import case_consent
from liveness.cases.models import Case, CaseKind, CaseState, Consent, ConsentSource, DecisionOutcome
from liveness.checks import selectors
from liveness.checks.models import Check, Score
from liveness.checks.thresholds import threshold_meaning
from liveness.partners.models import (
    DeliveryAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from liveness.partners.webhooks import history
from liveness.vendors import catalogue

# --- input ----------------------------------------------------------------------------------

@extend_schema_field(OpenApiTypes.BYTE)
class MediaField(serializers.Field):
    """A file part (multipart) or a base64 string (JSON, ``data:...;base64,`` prefix allowed) → bytes."""

    default_error_messages = {
        "invalid": "Send a file (multipart/form-data) or a base64 string (application/json).",
        "invalid_base64": "This is not valid base64.",
    }

    def to_internal_value(self, data) -> bytes:
        if isinstance(data, UploadedFile):
            return data.read()
        if isinstance(data, str):
            text = data.strip()
            if text.startswith("data:") and "," in text:
                text = text.split(",", 1)[1]
            try:
                return base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                self.fail("invalid_base64")
        self.fail("invalid")

    def to_representation(self, value):
        return None


class CaseCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CaseKind.choices)
    reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                      help_text="Your own reference for this person or application")


class ConsentCreateSerializer(serializers.Serializer):
    notice_version = serializers.CharField(
        max_length=50, help_text="The version of the privacy notice the person accepted in your app")
    given_at = serializers.DateTimeField(required=False, help_text="When they accepted it (default: now); not in "
                                                                   "the future")

    def validate_given_at(self, value):
        if value > timezone.now():
            raise serializers.ValidationError("given_at may not be in the future.")
        return value


class CaseListQuerySerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, max_length=200)
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)


class CaseDetailQuerySerializer(serializers.Serializer):
    include = serializers.ChoiceField(choices=[("photos", "photos")], required=False,
                                      help_text="'photos' adds the returned photos as base64 (audited)")


class SelfieUploadSerializer(serializers.Serializer):
    """Missing media is not a form error: the service answers ``selfie_required`` like everywhere else."""

    selfie = MediaField(required=False)


class VideoUploadSerializer(serializers.Serializer):
    video = MediaField(required=False)
    card = MediaField(required=False)
    challenge_id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class _FilePart(serializers.FileField):
    """Schema only: how a media part looks in multipart/form-data."""


class SelfieMultipartSchema(serializers.Serializer):
    selfie = _FilePart(required=False)


class VideoMultipartSchema(serializers.Serializer):
    video = _FilePart(required=False)
    card = _FilePart(required=False)
    challenge_id = serializers.IntegerField(required=False, min_value=1, max_value=2**62)


class DeliveryListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=sorted(set(WebhookDelivery.API_STATUS.values())), required=False)
    event = serializers.ChoiceField(choices=WebhookDelivery._meta.get_field("event").choices, required=False)


@extend_schema_field({"type": "string", "enum": list(WebhookEvent.values)})
class WebhookEventNameField(serializers.CharField):
    """An event name. Only its form is checked here: ``unknown_webhook_event`` comes from the
    service, so the API and ``partner_webhook_create`` refuse the same names the same way."""

    def __init__(self, **kwargs):
        super().__init__(max_length=50, **kwargs)


def _events_field(**kwargs):
    return serializers.ListField(
        # min_length says in the schema (minItems) what allow_empty=False enforces
        child=WebhookEventNameField(), allow_empty=False, min_length=1, max_length=20,
        help_text="Events to send here (default: all). To receive none, set is_active to false.", **kwargs)


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// (in production), no user name or password, "
                                                         "a host that resolves to public addresses only")
    events = _events_field(required=False)


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    """PATCH: only the fields sent change."""

    url = serializers.URLField(max_length=500, required=False, help_text="Checked again like a new endpoint's")
    events = _events_field(required=False)
    is_active = serializers.BooleanField(required=False, help_text="false stops events and cancels pending "
                                                                   "deliveries; true resumes")


# --- output ---------------------------------------------------------------------------------

class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


class ScoreSerializer(serializers.ModelSerializer):
    threshold_meaning = serializers.SerializerMethodField()

    class Meta:
        model = Score
        fields = ["metric", "value", "threshold", "scale", "passed", "threshold_meaning"]

    def get_threshold_meaning(self, score: Score) -> str:
        if score.threshold is None:
            return ""
        return threshold_meaning(provider=self.context["provider"], metric=score.metric, value=score.threshold)


class CheckErrorSerializer(serializers.Serializer):
    vendor = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()
    explanation = serializers.CharField(help_text="What the error code means")
    user_message = serializers.CharField(help_text="What the person should do next")
    category = serializers.ChoiceField(choices=[c.value for c in catalogue.Category])


class CheckSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="pk")
    scores = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = Check
        fields = ["id", "provider", "operation", "status", "passed", "attempts", "scores", "error", "latency_ms",
                  "request_id", "recognised_digits", "created_at", "finished_at"]

    @extend_schema_field(ScoreSerializer(many=True))
    def get_scores(self, check: Check):
        return ScoreSerializer(check.scores.all(), many=True, context={"provider": check.provider}).data

    @extend_schema_field(CheckErrorSerializer(allow_null=True))
    def get_error(self, check: Check):
        if not check.error_code:
            return None
        entry = catalogue.lookup(check.error_vendor, check.error_code)
        return {
            "vendor": check.error_vendor,
            "code": check.error_code,
            "message": check.error_message,
            "explanation": entry.reviewer_explanation,
            "user_message": entry.user_message_en,
            "category": check.error_category or entry.category.value,
        }


class PhotoSerializer(serializers.Serializer):
    check_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=["best_frame", "face_crop"])
    content_type = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    data_base64 = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "reference", "kind", "state", "created_at", "state_changed_at"]


class ConsentSerializer(serializers.ModelSerializer):
    """The person's consent to a privacy notice: the capture page's (shown before any capture), else
    the one the partner recorded."""

    source = serializers.ChoiceField(choices=ConsentSource.values,
                                     help_text="capture_page: accepted on the capture link's notice; partner_api: "
                                               "recorded by you with POST /api/v1/cases/{id}/consent")

    withdrawn_at = serializers.DateTimeField(allow_null=True, help_text="When the person withdrew it (their media "
                                                                        "was deleted then); null while in force")

    class Meta:
        model = Consent
        fields = ["given_at", "notice_version", "source", "withdrawn_at"]


class ConsentWithdrawalSerializer(serializers.Serializer):
    withdrawn_at = serializers.DateTimeField(help_text="When the consent was withdrawn")
    created = serializers.BooleanField(help_text="false: it had been withdrawn before; nothing changed")
    media_erased = serializers.IntegerField(help_text="Photos and videos deleted by this call")
    state = serializers.ChoiceField(choices=CaseState.choices, help_text="The case's state now (withdrawn, or approved "
                                                                         "or rejected when it was already decided)")


@extend_schema_serializer(description="The decision behind the case's state (approved, rejected or "
                                      "retake_requested); webhooks carry the same object.")
class DecisionSerializer(serializers.Serializer):
    """The decision behind the case's state (also sent in webhooks, same shape)."""

    outcome = serializers.ChoiceField(choices=DecisionOutcome.values)
    reason_code = serializers.CharField(
        help_text="A reviewer's structured reason (e.g. spoof_suspected, poor_lighting), or the automatic "
                  "policy's: checks_passed, checks_failed_user_fixable")
    reason = serializers.CharField(help_text="The reason in words (English)")
    user_message = serializers.CharField(help_text="What the person was told (English; may be the reviewer's "
                                                   "own words); empty when nothing is meant for the person")
    decided_by = serializers.ChoiceField(choices=["reviewer", "supervisor", "system"],
                                         help_text="Who decided: a role, never a name")
    decided_at = serializers.DateTimeField()


class CaseDetailSerializer(CaseSerializer):
    checks = serializers.SerializerMethodField()
    retake_message = serializers.SerializerMethodField(
        help_text="In retake_requested: what the person should do next, in English (a reviewer's words, else the "
                  "advice for the failing check of the latest submission); empty in any other state")
    decision = serializers.SerializerMethodField(
        help_text="The decision behind an approved, rejected or retake_requested case; null in other states")
    consent = serializers.SerializerMethodField(
        help_text="The person's consent to a privacy notice; null until given (uploads are refused until then)")
    # Not read_only: the schema marks every read-only field required, and photos appear only
    # with ?include=photos (this serializer is never used for input).
    photos = PhotoSerializer(many=True, required=False, help_text="Only with ?include=photos")

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "consent", "decision", "retake_message", "checks", "photos"]

    @extend_schema_field(ConsentSerializer(allow_null=True))
    def get_consent(self, case: Case):
        """The consent uploads need (the capture page's first); null until the person gave it."""
        consent = case_consent(case=case, source=ConsentSource.CAPTURE_PAGE) or case_consent(case=case)
        return ConsentSerializer(consent).data if consent is not None else None

    @extend_schema_field(CheckSerializer(many=True))
    def get_checks(self, case: Case):
        return CheckSerializer(selectors.case_checks(case=case), many=True).data

    def get_retake_message(self, case: Case) -> str:
        """What to tell the person when a retake is requested, in English: a reviewer's words, else the
        latest submission's catalogue message (never scores); "" in any other state."""
        return case_selectors.case_retake_message(case=case, language="en")

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, case: Case):
        """The decision behind an approved, rejected or retake_requested case; null in other states."""
        decision = case_selectors.case_decision(case=case)
        return decision.as_json() if decision is not None else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if "photos" not in self.context:
            data.pop("photos", None)
        else:
            data["photos"] = self.context["photos"]
        return data


class SubmissionAcceptedSerializer(serializers.Serializer):
    submission_id = serializers.IntegerField()
    case = CaseSerializer()


class ChallengeCreateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=[("en", "English"), ("zh", "Mandarin")], required=False,
        help_text="The language the person will read the digits in: en (English) or zh (Mandarin). Default: the "
                  "first language the configured video check understands. 400 language_unsupported when that "
                  "check cannot hear the language asked for.")


class ChallengeSerializer(serializers.Serializer):
    challenge_id = serializers.IntegerField(source="pk")
    digits = serializers.CharField()
    language = serializers.CharField(help_text="The language the digits are to be read in: en or zh")
    expires_at = serializers.DateTimeField()


class CaptureLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


@extend_schema_serializer(description="One POST of a delivery: when, what your endpoint answered, how long it "
                                      "took, what failed.")
class DeliveryAttemptSerializer(serializers.ModelSerializer):
    """One POST of a delivery: when, what the receiver answered, how long it took, what failed."""

    class Meta:
        model = DeliveryAttempt
        fields = ["number", "outcome", "started_at", "finished_at", "latency_ms", "http_status", "error_code",
                  "error_message"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(source="api_status", choices=sorted(set(WebhookDelivery.API_STATUS.values())),
                                     read_only=True)
    delivered_at = serializers.DateTimeField(read_only=True, allow_null=True)
    attempt_log = DeliveryAttemptSerializer(source="attempt_rows", many=True, read_only=True,
                                            help_text="Every attempt, oldest first (an attempt in flight has no "
                                                      "outcome yet: 'started')")
    endpoint_url = serializers.URLField(source="endpoint.url")
    case_id = serializers.SerializerMethodField()
    redelivery_of = serializers.UUIDField(source="redelivery_of_id", allow_null=True)
    # The latest recorded attempt's, read from attempt_log's rows (liveness.partners.webhooks.history).
    last_status_code = serializers.SerializerMethodField(help_text="HTTP status your endpoint answered last")
    last_latency_ms = serializers.SerializerMethodField(help_text="How long the last answer took")
    last_error = serializers.SerializerMethodField(help_text="Why the delivery is not delivered yet, in words "
                                                             "(empty once delivered)")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event", "endpoint_url", "case_id", "status", "attempts", "next_attempt_at",
                  "last_status_code", "last_latency_ms", "last_error", "created_at", "delivered_at",
                  "redelivery_of", "payload", "attempt_log"]

    @extend_schema_field(OpenApiTypes.UUID)
    def get_case_id(self, delivery: WebhookDelivery):
        return delivery.payload.get("case_id")

    def _last(self, delivery: WebhookDelivery) -> history.LastAttempt:
        cache = self.context.setdefault("_last_attempts", {})
        if delivery.pk not in cache:
            cache[delivery.pk] = history.delivery_last_attempt(delivery=delivery)
        return cache[delivery.pk]

    def get_last_status_code(self, delivery: WebhookDelivery) -> int | None:
        return self._last(delivery).status_code

    def get_last_latency_ms(self, delivery: WebhookDelivery) -> int | None:
        return self._last(delivery).latency_ms

    def get_last_error(self, delivery: WebhookDelivery) -> str:
        return self._last(delivery).error


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as listed and read: never its secret."""

    events = serializers.ListField(child=WebhookEventNameField())

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "created_at"]


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """Only in the answers that make a secret (creation, rotation): it is not shown again."""

    secret = serializers.CharField(help_text="Signing secret (HMAC-SHA256 key); shown only in this answer")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookEndpointDeletedSerializer(WebhookEndpointSerializer):
    """Schema of the DELETE answer: the endpoint, now inactive, and what happened to its pending deliveries."""

    cancelled_deliveries = serializers.IntegerField(
        help_text="Pending deliveries now failed with a 'cancelled: ...' error (listed under "
                  "GET /api/v1/webhooks/deliveries?status=failed)")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "cancelled_deliveries"]
