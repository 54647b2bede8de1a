"""Django admin for operators. Biometric media is never rendered here: only metadata."""
from django.contrib import admin

from .models import (
    Attempt, AuditEvent, Case, Challenge, Check, Decision, MediaBlob, Partner, Score, Submission, ThresholdPolicy,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class ScoreInline(ReadOnlyInline):
    model = Score
    fk_name = "check_run"


class AttemptInline(ReadOnlyInline):
    model = Attempt
    fk_name = "check_run"


class CheckInline(ReadOnlyInline):
    model = Check
    fields = ["provider", "operation", "status", "attempts", "passed", "error_code", "latency_ms"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["public_id", "kind", "state", "reference", "partner", "state_changed_at", "created_at"]
    list_filter = ["state", "kind", "partner"]
    search_fields = ["public_id", "reference"]
    readonly_fields = ["public_id", "state", "state_changed_at", "state_changed_by", "state_changed_by_label",
                       "state_reason", "created_at"]
    inlines = [CheckInline]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["pk", "case", "kind", "source", "created_at"]
    list_filter = ["kind", "source"]
    raw_id_fields = ["case", "selfie", "video", "card", "challenge"]


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["pk", "case", "provider", "created_at", "expires_at", "used_at"]
    raw_id_fields = ["case"]
    exclude = ["digits"]


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ["pk", "case", "provider", "operation", "status", "attempts", "passed", "error_code", "latency_ms"]
    list_filter = ["status", "provider", "operation", "passed"]
    raw_id_fields = ["submission", "case", "best_frame", "face_crop"]
    inlines = [ScoreInline, AttemptInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ["check_run", "number", "outcome", "error_code", "latency_ms", "started_at", "worker"]
    list_filter = ["outcome"]
    raw_id_fields = ["check_run"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["check_run", "metric", "value", "threshold", "passed", "policy"]
    raw_id_fields = ["check_run", "policy"]


@admin.register(ThresholdPolicy)
class ThresholdPolicyAdmin(admin.ModelAdmin):
    list_display = ["provider", "metric", "version", "value", "scale", "created_by", "created_at"]
    list_filter = ["provider", "metric"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["case", "outcome", "reason_code", "decided_by", "created_at"]
    raw_id_fields = ["case"]


@admin.register(MediaBlob)
class MediaBlobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "content_type", "size", "width", "height", "key_id", "created_at", "purged_at"]
    list_filter = ["kind", "key_id"]
    readonly_fields = [f.name for f in MediaBlob._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_label", "action", "case"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action"]
    raw_id_fields = ["case", "actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
