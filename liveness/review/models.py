"""Reviewer dashboard state: who is working a case, reviewers' notes, and the dashboard permissions.

Kept out of ``Case`` on purpose: assignment and notes are workflow around a case,
not facts about it, and the case table stays as the pipeline defined it.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

#: codename → description. Checked with ``user.has_perm("review.<codename>")``.
DASHBOARD_PERMISSIONS = {
    "dashboard_view": "Can open the reviewer dashboard (queue, cases, media)",
    "case_decide": "Can decide a case (approve / reject / request retake) and add notes",
    "case_approve_over_failed": "Can approve a case with a failed check (supervisor, with a written justification)",
    "audit_view": "Can read and export the audit log",
    "threshold_change": "Can change threshold policies",
    "case_assign_others": "Can assign a case to another reviewer",
}

#: The roles. A data migration (review 0002_groups) creates these groups with these permissions.
DASHBOARD_GROUPS = {
    "reviewer": ["dashboard_view", "case_decide"],
    "supervisor": ["dashboard_view", "case_decide", "case_approve_over_failed", "audit_view", "case_assign_others"],
    "compliance_admin": ["dashboard_view", "audit_view", "threshold_change"],
}


class DashboardAccess(models.Model):
    """No table: only an anchor for the dashboard's custom permissions."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(DASHBOARD_PERMISSIONS.items())


class CaseAssignment(models.Model):
    """The reviewer currently working a case (one at a time; reassigning replaces it)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True,
                                related_name="assignment")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["assignee", "assigned_at"])]

    def __str__(self) -> str:
        return f"case {self.case_id} → {self.assignee_id}"


class CaseNote(models.Model):
    """A reviewer's internal note on a case. Never shown to the end user."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(max_length=100)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"
