"""Django admin for operators. Biometric media is never rendered here: only metadata.

Read-only: checks, attempts and scores are the record of vendor calls, and threshold policies
change only through the dashboard's audited, versioned service (``checks.judging``)."""
from django.contrib import admin

from liveness.web.admin import ReadOnlyInline, ReadOnlyModelAdmin

from .models import Attempt, Check, Score, ThresholdPolicy


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


@admin.register(Check)
class CheckAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "case", "provider", "operation", "status", "attempts", "passed", "error_code", "latency_ms"]
    list_filter = ["status", "provider", "operation", "passed"]
    raw_id_fields = ["submission", "case", "best_frame", "face_crop"]
    inlines = [ScoreInline, AttemptInline]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyModelAdmin):
    list_display = ["check_run", "number", "outcome", "error_code", "latency_ms", "started_at", "worker"]
    list_filter = ["outcome"]
    raw_id_fields = ["check_run"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyModelAdmin):
    list_display = ["check_run", "metric", "value", "threshold", "passed", "policy"]
    raw_id_fields = ["check_run", "policy"]


@admin.register(ThresholdPolicy)
class ThresholdPolicyAdmin(ReadOnlyModelAdmin):
    list_display = ["provider", "metric", "version", "value", "scale", "created_by", "created_at"]
    list_filter = ["provider", "metric"]
