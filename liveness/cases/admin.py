"""Django admin for operators. Biometric media is never rendered here: only metadata."""
from django.contrib import admin

from liveness.checks.admin import CheckInline

from .models import AuditEvent, Case, Challenge, Decision, Submission


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


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["case", "outcome", "reason_code", "decided_by", "created_at"]
    raw_id_fields = ["case"]


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
