"""/dashboard/analytics/: supervisors and compliance leads only; every number equals a count the
test makes itself in SQL over seeded rows."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from liveness.cases.models import Case, CaseKind, CaseState, Decision, DecisionOutcome, Submission
from liveness.checks.models import Check, CheckStatus
from liveness.ops.analytics import analytics_read, percentile
from liveness.vendors.base import Operation
from tests.conftest import staff_login
from tests.review.conftest import role_user

pytestmark = pytest.mark.django_db


def _seed(now):
    """Three days of cases in several states, checks from two providers, decisions by the pipeline and by a person."""
    person = role_user("dora", "reviewer")
    plan = [(0, CaseState.APPROVED, True, "local", None, 30), (0, CaseState.REJECTED, False, "local", person, 600),
            (1, CaseState.APPROVED, True, "youtu_legacy", None, 12), (1, CaseState.RETAKE_REQUESTED, False,
                                                                     "youtu_legacy", None, 45),
            (2, CaseState.MANUAL_REVIEW, None, "local", None, 0), (2, CaseState.REJECTED, False, "local", person, 3600),
            (2, CaseState.APPROVED, True, "local", person, 900), (1, CaseState.APPROVED, True, "local", None, 20),
            (40, CaseState.APPROVED, True, "local", None, 5)]
    for days_ago, state, passed, provider, decider, wait in plan:
        opened = now - timedelta(days=days_ago, hours=1)
        case = Case.objects.create(kind=CaseKind.SELFIE, state=state, created_at=opened)
        submission = Submission.objects.create(case=case, kind=case.kind, source="test",
                                               created_at=opened + timedelta(minutes=1))
        Check.objects.create(case=case, submission=submission, provider=provider, created_at=opened,
                             operation=Operation.SELFIE_LIVENESS,
                             status=CheckStatus.PENDING if passed is None else CheckStatus.DONE, passed=passed)
        if state in (CaseState.APPROVED, CaseState.REJECTED, CaseState.RETAKE_REQUESTED):
            outcome = {CaseState.APPROVED: DecisionOutcome.APPROVE, CaseState.REJECTED: DecisionOutcome.REJECT,
                       CaseState.RETAKE_REQUESTED: DecisionOutcome.RETAKE}[state]
            Decision.objects.create(case=case, outcome=outcome, reason_code=f"{outcome}_reason",
                                    decided_by=decider, created_at=submission.created_at + timedelta(seconds=wait))


def _sql(query: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def test_the_numbers_equal_sql_counts_on_seeded_data():
    now = timezone.now()
    _seed(now)
    since = now - timedelta(days=30)

    a = analytics_read(days=30, now=now)

    per_day = {(d.day, state): n for d in a.days for state, n in d.counts.items()}
    assert per_day == {(day, state): n for day, state, n in _sql(
        f"SELECT (created_at AT TIME ZONE %s)::date, state, count(*) FROM {Case._meta.db_table} "
        f"WHERE created_at >= %s GROUP BY 1, 2", [str(timezone.get_current_timezone()), since])}
    assert sum(per_day.values()) == 8, "the case 40 days old is outside the window"
    assert {(r["operation"], r["provider"], r["total"], r["passed"]) for r in a.pass_rates} == set(_sql(
        f"SELECT operation, provider, count(*), count(*) FILTER (WHERE passed) FROM {Check._meta.db_table} "
        f"WHERE created_at >= %s AND status IN ('done', 'failed') GROUP BY 1, 2", [since]))
    assert a.refusals == [tuple(row) for row in _sql(
        f"SELECT reason_code, count(*) FROM {Decision._meta.db_table} WHERE created_at >= %s "
        f"AND outcome IN ('reject', 'retake') GROUP BY 1 ORDER BY 2 DESC, 1", [since])]
    assert (a.retakes, a.decisions) == (1, 7)
    assert a.decision_times["automatic"] == (20, 45, 4)  # waits 12, 20, 30, 45 s
    assert a.decision_times["human"] == (900, 3600, 3)  # waits 600, 900, 3600 s


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0 and percentile([1.0, 2.0, 3.0, 4.0], 95) == 4.0


def test_the_page_is_for_supervisors_and_shows_the_numbers(client):
    _seed(timezone.now())
    assert client.get("/dashboard/analytics/").status_code == 302  # sign-in first
    staff_login(client, role_user("rick", "reviewer"))
    assert client.get("/dashboard/analytics/").status_code == 403
    staff_login(client, role_user("sue", "supervisor"))

    page = client.get("/dashboard/analytics/")

    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert '<svg id="cases-per-day"' in html and html.count("<rect ") == 7  # day 1 has two approved: one bar segment
    assert "Retake rate: 1 of 7 decisions (14 %)" in html
    assert "<td>selfie_liveness</td><td>local</td><td class=\"n\">5</td><td class=\"n\">3</td>" in html
    assert "<script" not in html.split("<h1>Analytics", 1)[1], "CSP-safe: no inline script"
