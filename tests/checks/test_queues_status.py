"""``manage.py queues_status`` against a real broker and real workers: which queue has no
consumer, how many messages wait, and how late the oldest due check is."""
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from liveness.cases import services
from liveness.cases.models import CaseKind
from liveness.checks import pacing as ratelimit
from liveness.checks.models import Check
from tests.mediagen import selfie_jpeg

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _status(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("queues_status", *args, "--timeout", "1.5", stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_queues_without_a_consumer_and_late_checks_are_problems(celery_worker):
    celery_worker(queues="engine")
    case = services.case_open(kind=CaseKind.SELFIE, actor_label="test")
    services.submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test",
                               provider_name="youtu_legacy")  # a vendor check: nobody consumes "vendor"
    Check.objects.filter(case=case).update(created_at=timezone.now() - timedelta(minutes=10))

    code, text = _status()
    code_json, raw = _status("--json")

    assert code == code_json == 2
    report = json.loads(raw)
    queues = {q["name"]: q for q in report["queues"]}
    assert set(queues) == {"default", "engine", "vendor", "webhooks"}
    assert queues["vendor"]["waiting"] == 1 and queues["vendor"]["consumers"] == []
    assert len(queues["engine"]["consumers"]) == 1 and "(prefork x1)" in queues["engine"]["consumers"][0]
    assert report["checks_due"] == 1 and 590 < report["checks_oldest_due_s"] < 700
    assert sorted(report["problems"]) == sorted([
        'no worker consumes the queue "default"', 'no worker consumes the queue "vendor"',
        'no worker consumes the queue "webhooks"', "the oldest due check has waited 10 min (more than 5 min)"])
    assert "PROBLEM: no worker consumes the queue \"vendor\"" in text and "vendor           1  -" in text


def test_every_queue_consumed_and_nothing_late_is_healthy(celery_worker):
    celery_worker()  # no -Q: every queue

    code, text = _status()

    assert code == 0, text
    assert "PROBLEM" not in text and "checks: 0 due (none due), 0 in flight" in text


def test_a_vendor_slowed_by_its_rate_limit_answers_shows_its_pace(celery_worker, settings):
    celery_worker()
    settings.KYC_RATE_LIMITS = {**settings.KYC_RATE_LIMITS, "youtu_legacy": 5.0}
    active = ratelimit.limiter()
    active.reset("youtu_legacy")
    try:
        ratelimit.provider_error_seen("youtu_legacy", vendor="youtu", code="15")  # the vendor said "too many"...
        for _ in range(3):
            active.penalise("youtu_legacy", seconds=0)  # ...again and again: down to the floor, 50 %
        # each status call waits for the workers' replies (2 x 1.5 s) while the pace recovers 5 % a second

        code, text = _status()
        _, raw = _status("--json")
    finally:
        active.reset("youtu_legacy")

    assert code == 0, text  # slowed is not broken
    paces = json.loads(raw)["vendor_paces"]
    assert paces["youtu_legacy"]["per_second"] == 5.0 and 0.5 < paces["youtu_legacy"]["pace"] < 1.0
    assert paces["tencent_iai"] == {"per_second": 50.0, "pace": 1.0}
    assert "youtu_legacy 5/s (paced at " in text and "recovering from the vendor's rate-limit answers" in text
    assert "tencent_iai 50/s" in text and "tencent_iai 50/s (paced" not in text
