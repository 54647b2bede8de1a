"""/dashboard/analytics/: supervisors and compliance leads only; every number equals a count the
test makes itself in SQL over seeded rows."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from liveness.cases.models import Case, CaseKind, CaseState, Decision, DecisionOutcome, Submission
from liveness.checks.models import Check, CheckStatus, Score, ThresholdPolicy
from liveness.ops import analytics
from liveness.ops import tasks as ops_tasks
from liveness.ops.analytics import analytics_read, analytics_snapshot, percentile
from liveness.ops.analytics_panels import HIST_BINS, QUEUE_BUCKETS
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
                                    decided_by=decider, decided_by_role="reviewer" if decider else "",
                                    created_at=submission.created_at + timedelta(seconds=wait))


def _seed_panels(now):
    """The review queue at several ages (target 10 h), decisions by two reviewers over three days,
    scores of two providers (one with a newer threshold policy)."""
    for hours in (1, 2, 4, 9, 11, 15, 25, 26):
        Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.MANUAL_REVIEW,
                            state_changed_at=now - timedelta(hours=hours), created_at=now - timedelta(hours=hours + 1))
    ann, bob = role_user("ann", "reviewer"), role_user("bob", "supervisor")
    for person, role, days_ago, n in ((ann, "reviewer", 0, 3), (ann, "reviewer", 2, 1), (bob, "supervisor", 1, 2),
                                      (bob, "supervisor", 45, 4)):
        for _ in range(n):
            case = Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.APPROVED)
            Decision.objects.create(case=case, outcome=DecisionOutcome.APPROVE, reason_code="ok", decided_by=person,
                                    decided_by_role=role, created_at=now - timedelta(days=days_ago, minutes=5))
    ThresholdPolicy.objects.create(provider="local", metric="liveness", version=1, value=50, scale=100)
    ThresholdPolicy.objects.create(provider="local", metric="liveness", version=2, value=62.5, scale=100)
    for provider, values, days_ago in (("local", (3, 49.9, 50, 61, 64, 64.9, 99.99, 100), 1),
                                       ("youtu_legacy", (10, 86, 88, 92), 2), ("local", (70, 71), 40)):
        case = Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.APPROVED)
        submission = Submission.objects.create(case=case, kind=case.kind, source="test")
        for value in values:
            check = Check.objects.create(case=case, submission=submission, provider=provider, status=CheckStatus.DONE,
                                         operation=Operation.SELFIE_LIVENESS, passed=value >= 62.5,
                                         created_at=now - timedelta(days=days_ago))
            Score.objects.create(check_run=check, metric="liveness", value=value, scale=100, threshold=62.5,
                                 passed=value >= 62.5)


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


def test_the_decision_times_of_other_databases_equal_postgresqls():
    """The development SQLite database computes them in Python (tests/deploy/test_dev_database.py
    runs that there); on the same rows both ways agree."""
    now = timezone.now()
    _seed(now)
    since = now - timedelta(days=30)

    assert analytics._decision_times_portable(since) == analytics._decision_times(since) == {
        "automatic": (20, 45, 4), "human": (900, 3600, 3)}


def test_the_queue_throughput_and_score_panels_equal_sql_counts(settings):
    settings.KYC_REVIEW_QUEUE_TARGET_HOURS = 10
    now = timezone.now()
    _seed(now)
    _seed_panels(now)
    since = now - timedelta(days=30)

    a = analytics_read(days=30, now=now)

    # queue age: manual review cases by how long since they entered it, against the 10 h target
    case = Case._meta.db_table
    assert (a.queue.target_hours, a.queue.waiting, a.queue.over_target) == (10, *_sql(
        f"SELECT count(*), count(*) FILTER (WHERE state_changed_at < %s) FROM {case} WHERE state = 'manual_review'",
        [now - timedelta(hours=10)])[0])
    assert a.queue.over_target == 4 and a.queue.waiting == 9  # 11, 15, 25, 26 h; and _seed's new one
    for bucket, (_, low, high) in zip(a.queue.buckets, QUEUE_BUCKETS):
        lower = f" AND state_changed_at <= '{(now - timedelta(hours=10 * low)).isoformat()}'" if low else ""
        upper = f" AND state_changed_at > '{(now - timedelta(hours=10 * high)).isoformat()}'" if high else ""
        assert bucket["n"] == _sql(f"SELECT count(*) FROM {case} WHERE state = 'manual_review'{lower}{upper}", [])[0][0]
    assert [b["n"] for b in a.queue.buckets] == [3, 1, 1, 2, 2]
    assert a.queue.oldest_hours == pytest.approx(26, abs=0.01)

    # reviewer throughput: decisions per person per day, people only, inside the window
    throughput = {(r.label, day): n for r in a.reviewers for day, n in r.per_day.items()}
    assert throughput == {(f"{role or 'reviewer'} #{person}", day): n for person, role, day, n in _sql(
        f"SELECT decided_by_id, decided_by_role, (created_at AT TIME ZONE %s)::date, count(*) "
        f"FROM {Decision._meta.db_table} WHERE created_at >= %s AND decided_by_id IS NOT NULL GROUP BY 1, 2, 3",
        [str(timezone.get_current_timezone()), since])}
    ann = next(r for r in a.reviewers if r.total == 4 and "reviewer #" in r.label and r.busiest == 3)
    assert len(ann.per_day) == 2 and ann.mean_per_active_day == 2.0
    assert sum(r.total for r in a.reviewers) == 3 + 3 + 1 + 2  # _seed's dora (3) + ann + bob; bob's old 4 left out

    # score histograms: per provider and metric, HIST_BINS bins of the scale, the current threshold
    bins = {(h.provider, h.metric, i): b["n"] for h in a.histograms for i, b in enumerate(h.bins) if b["n"]}
    assert bins == {(p, m, b): n for p, m, b, n in _sql(
        f"SELECT k.provider, s.metric, LEAST({HIST_BINS - 1}, floor(s.value / s.scale * {HIST_BINS}))::int, count(*) "
        f"FROM {Score._meta.db_table} s JOIN {Check._meta.db_table} k ON k.id = s.check_run_id "
        f"WHERE k.created_at >= %s GROUP BY 1, 2, 3", [since])}
    local = next(h for h in a.histograms if h.provider == "local")
    assert (local.total, local.judged_below, local.threshold) == (8, 4, 62.5), "version 2 of the policy"
    assert local.threshold_x == pytest.approx(62.5 / 100 * 300)
    assert [i for i, b in enumerate(local.bins) if b["n"]] == [0, 9, 10, 12, 19] and local.bins[19]["n"] == 2
    youtu = next(h for h in a.histograms if h.provider == "youtu_legacy")
    assert youtu.total == 4 and youtu.threshold == 87.0, "no policy yet: the provider's default"


def test_the_page_reads_kept_numbers_until_they_are_refreshed(settings):
    settings.KYC_ANALYTICS_CACHE_SECONDS = 60
    _seed(timezone.now())
    kept = analytics_snapshot(days=30)
    Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.MANUAL_REVIEW)

    assert analytics_snapshot(days=30).queue.waiting == kept.queue.waiting == 1, "kept for 60 s"
    ops_tasks.analytics_refresh_task()  # the beat task
    assert analytics_snapshot(days=30).queue.waiting == 2
    settings.KYC_ANALYTICS_CACHE_SECONDS = 0
    Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.MANUAL_REVIEW)
    assert analytics_snapshot(days=30).queue.waiting == 3, "0: computed on every request"
    assert settings.CELERY_BEAT_SCHEDULE["refresh-analytics"]["task"] == ops_tasks.analytics_refresh_task.name


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0 and percentile([1.0, 2.0, 3.0, 4.0], 95) == 4.0


def test_the_page_is_for_supervisors_and_shows_the_numbers(client, settings):
    settings.KYC_REVIEW_QUEUE_TARGET_HOURS = 10
    _seed(timezone.now())
    _seed_panels(timezone.now())
    assert client.get("/dashboard/analytics/").status_code == 302  # sign-in first
    staff_login(client, role_user("rick", "reviewer"))
    assert client.get("/dashboard/analytics/").status_code == 403
    staff_login(client, role_user("sue", "supervisor"))

    page = client.get("/dashboard/analytics/")

    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    per_day = html.split('<svg id="cases-per-day"', 1)[1].split("</svg>", 1)[0]
    assert per_day.count("<rect ") == _sql(  # one bar segment per (day, state)
        f"SELECT count(DISTINCT ((created_at AT TIME ZONE %s)::date, state)) FROM {Case._meta.db_table} "
        f"WHERE created_at >= now() - interval '30 days'", [str(timezone.get_current_timezone())])[0][0]
    assert "Retake rate: 1 of 13 decisions (8 %)" in html
    assert "<td>selfie_liveness</td><td>local</td><td class=\"n\">13</td><td class=\"n\">7</td>" in html
    assert "9 waiting in manual review; 4 past the target (44 %); the oldest has waited 26.0 h." in html
    assert html.split('<svg id="queue-age"', 1)[1].split("</svg>", 1)[0].count('class="bin over"') == 2
    assert html.count('<svg class="spark"') == 3 and "<td>supervisor #" in html
    local = html.split('id="hist-local-liveness"', 1)[1].split("</figure>", 1)[0]
    assert "local · liveness: 8 scores, 4 below their threshold; threshold now 62.50 of 100" in local
    assert local.count('<rect class="bin') == HIST_BINS and '<line class="threshold" x1="187.5"' in local
    assert "<script" not in html.split("<h1>Analytics", 1)[1], "CSP-safe: no inline script"


def test_the_drawn_panels_follow_the_refreshed_numbers(client, settings):
    """The panels' HTML is kept per snapshot: a refresh shows the new numbers on the next page."""
    settings.KYC_ANALYTICS_CACHE_SECONDS = 60
    staff_login(client, role_user("sue", "supervisor"))
    Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.MANUAL_REVIEW)
    assert "1 waiting in manual review" in client.get("/dashboard/analytics/").content.decode()
    Case.objects.create(kind=CaseKind.SELFIE, state=CaseState.MANUAL_REVIEW)
    assert "1 waiting in manual review" in client.get("/dashboard/analytics/").content.decode(), "kept"

    ops_tasks.analytics_refresh_task()

    assert "2 waiting in manual review" in client.get("/dashboard/analytics/").content.decode()
