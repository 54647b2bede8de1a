"""Django admin for operators. Biometric media is never rendered here: only metadata.

Read-only: cases move, and decisions are made, only through ``cases.services`` and the dashboard,
which write the audit event (and the partner's webhook) that an edit here would skip."""
from django.contrib import admin

from liveness.checks.admin import CheckInline
from liveness.web.admin import ReadOnlyModelAdmin

from .models import AuditEvent, Case, Challenge, Consent, Decision, Submission


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = ["public_id", "kind", "state", "reference", "partner", "state_changed_at", "created_at"]
    list_filter = ["state", "kind", "partner"]
    search_fields = ["public_id", "reference"]
    readonly_fields = ["public_id", "state", "state_changed_at", "state_changed_by", "state_changed_by_label",
                       "state_reason", "created_at"]
    inlines = [CheckInline]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "case", "kind", "source", "created_at"]
    list_filter = ["kind", "source"]
    raw_id_fields = ["case", "selfie", "video", "card", "challenge"]


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "case", "provider", "created_at", "expires_at", "used_at"]
    raw_id_fields = ["case"]
    exclude = ["digits"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyModelAdmin):
    list_display = ["case", "outcome", "reason_code", "decided_by", "created_at"]
    raw_id_fields = ["case"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyModelAdmin):
    list_display = ["case", "notice_version", "source", "language", "given_at"]
    list_filter = ["source"]
    raw_id_fields = ["case"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "actor_label", "action", "case"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action"]
    raw_id_fields = ["case", "actor"]
