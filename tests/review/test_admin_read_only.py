"""Issue 17, item 8: the Django admin shows audited records but never edits them, and the demo
account gets only the dashboard's roles.

Attack reproduced: in the admin, ThresholdPolicy v1 was changed from 87 to 1 in place (no new
version, no audit event); Decision, Check, Score and Attempt rows were editable the same way, and
the demo reviewer held every model permission of the review app besides its roles. Now those admin
pages are view-only for everyone (superusers included) and ``demo_setup`` grants only the
dashboard groups.
"""
from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from liveness.cases.models import AuditEvent, Case, Decision, Submission
from liveness.checks.models import Attempt, Check, Score, ThresholdPolicy
from liveness.review.models import DASHBOARD_PERMISSIONS
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _rows() -> dict:
    """One row of each audited model."""
    case = CaseFactory()
    policy = ThresholdPolicy.objects.create(provider="local", metric="liveness", version=1, value=87.0)
    submission = Submission.objects.create(case=case, kind=case.kind, source="test")
    check = Check.objects.create(submission=submission, case=case, provider="local", operation="selfie_liveness")
    score = Score.objects.create(check_run=check, metric="liveness", value=90.0, threshold=87.0, passed=True,
                                 policy=policy)
    attempt = Attempt.objects.create(check_run=check, number=1)
    decision = Decision.objects.create(case=case, outcome="approved", reason_code="manual")
    return {"threshold": policy, "check": check, "score": score, "attempt": attempt, "decision": decision,
            "case": case}


def _admin_url(obj, action: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{action}", args=[obj.pk])


def test_a_threshold_policy_cannot_be_changed_in_place_in_the_admin(admin_client):
    policy = _rows()["threshold"]
    events_before = AuditEvent.objects.count()

    response = admin_client.post(_admin_url(policy, "change"), {
        "provider": "local", "metric": "liveness", "version": 1, "value": 1, "scale": 100, "reason": "x"})

    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.value == 87.0 and ThresholdPolicy.objects.count() == 1
    assert AuditEvent.objects.count() == events_before
    page = admin_client.get(_admin_url(policy, "change"))  # still shown, read-only
    assert page.status_code == 200 and b'name="value"' not in page.content


@pytest.mark.parametrize("name", ["threshold", "check", "score", "attempt", "decision", "case"])
def test_audited_rows_cannot_be_added_changed_or_deleted_in_the_admin(admin_client, name):
    obj = _rows()[name]
    model = type(obj)
    meta = model._meta

    assert admin_client.post(_admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
    assert admin_client.post(_admin_url(obj, "change"), {}).status_code == 403
    assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200


def test_the_demo_account_gets_only_the_dashboard_roles():
    user = get_user_model().objects.create(username="demo-perm", is_superuser=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.set(Permission.objects.all())  # a stale account from an older demo_setup

    call_command("demo_setup", "--username", "demo-perm", stdout=StringIO())

    user = get_user_model().objects.get(username="demo-perm")
    assert not user.is_superuser and user.is_staff
    assert not user.user_permissions.exists()
    assert set(user.groups.values_list("name", flat=True)) == {"reviewer", "supervisor", "compliance_admin"}
    assert user.get_all_permissions() == {f"review.{codename}" for codename in DASHBOARD_PERMISSIONS}
    for perm in ("checks.change_thresholdpolicy", "cases.change_decision", "checks.delete_score",
                 "review.change_caseassignment"):
        assert not user.has_perm(perm), perm
    assert Case.objects.count() == 0
