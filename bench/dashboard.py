"""Reviewer dashboard at scale: queue, case-view and analytics latency and SQL queries per page.

Seeds N cases (default 1,000,000), each with a submission and a check, into a separate
PostgreSQL database with set-based SQL (seeding is skipped when the rows are already
there), adds one fully realistic case (encrypted photos, scores, audit trail), then
requests pages through Django's test client, in process, as a logged-in supervisor.
Timings are the view's own (no network, no browser); the median and p95 of R requests
per page are printed, with the SQL query count of each page, which must not grow with N.
The analytics page (target p95 300 ms) is measured reading its kept numbers, then computed on
the request (KYC_ANALYTICS_CACHE_SECONDS=0, the refresh task's cost); decisions are seeded
for it.

    .venv/bin/python bench/dashboard.py            # 1,000,000 cases, ~3 min to seed once
    .venv/bin/python bench/dashboard.py --cases 20000 --repeat 20
    .venv/bin/python bench/dashboard.py --only analytics  # the analytics page only
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc_portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kyc_bench")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

STATES = ["approved", "manual_review", "rejected", "retake_requested", "approved", "approved", "manual_review"]


def seed(n: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_case WHERE reference LIKE 'bench-%%'")
        have = cur.fetchone()[0]
        if have >= n:
            print(f"seed: {have:,} bench cases already present")
            return
        started = time.monotonic()
        states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
        cur.execute(f"""
            INSERT INTO cases_case (public_id, reference, kind, state, state_changed_at, state_changed_by_label,
                                       state_reason, created_at, challenges_issued, test_mode)
            SELECT md5('bench' || i)::uuid, 'bench-' || i, 'selfie', ({states})[1 + i % {len(STATES)}],
                   now() - i * interval '7 seconds', 'bench', '', now() - i * interval '7 seconds', 0, false
            FROM generate_series({have + 1}, {n}) AS i""")
        cur.execute("""
            INSERT INTO cases_submission (case_id, kind, source, created_at)
            SELECT c.id, 'selfie', 'bench', c.created_at FROM cases_case c
            WHERE c.reference LIKE 'bench-%%' AND NOT EXISTS (SELECT 1 FROM cases_submission s WHERE s.case_id = c.id)""")
        cur.execute("""
            INSERT INTO checks_check (submission_id, case_id, provider, operation, status, attempts, passed,
                                        error_vendor, error_code, error_message, error_category, request_id,
                                        latency_ms, findings, recognised_digits, raw_response, created_at)
            SELECT s.id, s.case_id, CASE WHEN s.id % 3 = 0 THEN 'youtu_legacy' ELSE 'local' END, 'selfie_liveness',
                   'done', 1, c.state = 'approved',
                   CASE WHEN c.state = 'approved' THEN '' ELSE 'local' END,
                   CASE WHEN c.state = 'approved' THEN '' ELSE 'LOCAL_BLURRY' END,
                   '', '', 'req-' || s.id, 300, '[]', '', '{}', s.created_at
            FROM cases_submission s JOIN cases_case c ON c.id = s.case_id
            WHERE s.source = 'bench' AND NOT EXISTS (SELECT 1 FROM checks_check k WHERE k.submission_id = s.id)""")
        # One liveness score per check (the queue shows each case's key scores against their thresholds).
        cur.execute("""
            INSERT INTO checks_score (check_run_id, metric, value, scale, threshold, passed)
            SELECT k.id, 'liveness', CASE WHEN k.passed THEN 90 ELSE 40 END, 100, 70, k.passed FROM checks_check k
            WHERE k.request_id LIKE 'req-%%' AND NOT EXISTS (SELECT 1 FROM checks_score x WHERE x.check_run_id = k.id)""")
        cur.execute("ANALYZE")
    print(f"seed: {n - have:,} cases with submissions and checks in {time.monotonic() - started:.0f} s")


def seed_decisions(reviewer_ids: list[int]) -> None:
    """What the analytics page reads besides cases, checks and scores: a decision for every decided
    bench case (one in four by a bench reviewer, the rest automatic, 0-15 min after the
    submission). Set-based, idempotent."""
    from django.db import connection

    started = time.monotonic()
    people = "ARRAY[" + ",".join(str(i) for i in reviewer_ids) + "]::int[]"
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO cases_decision (case_id, outcome, reason_code, user_message, internal_comment, decided_by_id,
                                        decided_by_label, decided_by_role, created_at)
            SELECT c.id, o.outcome, o.reason, '', '', CASE WHEN c.id % 4 = 0 THEN p.id END,
                   CASE WHEN c.id % 4 = 0 THEN 'user:bench' ELSE 'system:pipeline' END,
                   CASE WHEN c.id % 4 = 0 THEN 'reviewer' ELSE '' END, c.created_at + (c.id % 900) * interval '1 second'
            FROM cases_case c
            JOIN (VALUES ('approved', 'approve', 'ok'), ('rejected', 'reject', 'LOCAL_BLURRY'),
                         ('retake_requested', 'retake', 'LOCAL_NO_FACE')) AS o(state, outcome, reason) ON o.state = c.state
            CROSS JOIN LATERAL (SELECT ({people})[1 + c.id % cardinality({people})] AS id) p
            WHERE c.reference LIKE 'bench-%%' AND NOT EXISTS (SELECT 1 FROM cases_decision d WHERE d.case_id = c.id)""")
        decisions = cur.rowcount
        if decisions:
            cur.execute("ANALYZE")
    print(f"seed: {decisions:,} decisions in {time.monotonic() - started:.0f} s")


def realistic_case():
    from tests.review.conftest import make_review_case

    return make_review_case(reference=f"bench-real-{time.time_ns()}")


def measure(client, url: str, repeat: int) -> tuple[float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches, templates, connection
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return statistics.median(timings), p95, len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", choices=("all", "queue", "analytics"), default="all",
                        help="measure only the reviewer pages (queue, case view) or only the analytics page")
    parser.add_argument("--cold-repeat", type=int, default=3,
                        help="requests of the analytics page computed on the request (slow on 1M cases)")
    parser.add_argument("--seed-only", action="store_true", help="seed and stop (no measurement)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    seed(args.cases)
    from django.contrib.auth import get_user_model

    reviewers = [get_user_model().objects.get_or_create(username=f"bench-reviewer-{i}", defaults={"is_staff": True})[0]
                 for i in range(5)]
    seed_decisions([r.pk for r in reviewers])
    if args.seed_only:
        return
    case = realistic_case()

    user, _ = get_user_model().objects.get_or_create(username="bench-supervisor", defaults={"is_staff": True})
    user.groups.set(Group.objects.filter(name__in=["reviewer", "supervisor"]))
    client = Client()
    client.force_login(user)
    # Staff pages need the second factor: mark the session verified the way django_otp.login does.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "bench"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    from liveness.cases.models import Case

    total = Case.objects.count()
    queue_pages = {
        "queue: manual review, oldest first": "/dashboard/",
        "queue: all states, newest first": "/dashboard/?state=all&sort=newest",
        "queue: failing LOCAL_BLURRY, youtu": "/dashboard/?state=all&failing=LOCAL_BLURRY&provider=youtu_legacy",
        "queue: search by reference": f"/dashboard/?q=bench-{args.cases // 2}",
        "queue: search by reference start": f"/dashboard/?q=BENCH-{args.cases // 200}",
        "queue: search by public id start": f"/dashboard/?q={str(case.public_id)[:8]}",
        "case view (photos, scores, timeline)": f"/dashboard/cases/{case.public_id}/",
    }
    analytics_pages = {"analytics, last 30 days": "/dashboard/analytics/",
                       "analytics, last 7 days": "/dashboard/analytics/?days=7"}
    print(f"\n{total:,} cases in PostgreSQL; {args.repeat} requests per page (in-process, Django test client)\n")
    print(f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'KB':>6}")
    for pages, target in ((queue_pages, 150), (analytics_pages, 300)):
        if args.only != "all" and (pages is analytics_pages) != (args.only == "analytics"):
            continue
        worst = 0.0
        for name, url in pages.items():
            median, p95, queries, size = measure(client, url, args.repeat)
            worst = max(worst, p95)
            print(f"{name:<40} {median:>10.1f} {p95:>8.1f} {queries:>8} {size / 1024:>6.0f}")
        print(f"worst p95 {worst:.1f} ms against a target of {target} ms: ratio {worst / target:.2f}\n")
    if args.only in ("all", "analytics"):
        analytics_cold(client, url="/dashboard/analytics/", repeat=max(1, min(args.repeat, args.cold_repeat)))


def analytics_cold(client, *, url: str, repeat: int) -> None:
    """The analytics page's numbers computed on the request (KYC_ANALYTICS_CACHE_SECONDS=0): what the
    beat task's refresh costs, and what a page would cost without the kept numbers."""
    from django.conf import settings
    from django.core.cache import cache

    kept = settings.KYC_ANALYTICS_CACHE_SECONDS
    settings.KYC_ANALYTICS_CACHE_SECONDS = 0
    try:
        cache.clear()
        median, p95, queries, size = measure(client, url, repeat)
    finally:
        settings.KYC_ANALYTICS_CACHE_SECONDS = kept
    print(f"{'analytics, computed on the request':<40} {median:>10.1f} {p95:>8.1f} {queries:>8} {size / 1024:>6.0f}"
          f"   ({repeat} requests; the refresh task's cost)")


if __name__ == "__main__":
    main()
