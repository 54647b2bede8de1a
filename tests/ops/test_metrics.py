"""/metrics: operators only, multi-process, and the numbers move after a real check (local engine),
a real webhook delivery (HTTP receiver) and a refused upload."""
from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from liveness.cases import services as case_services
from liveness.cases.models import Case, CaseKind, CaseState
from liveness.cases.services import case_open, submission_accept
from liveness.checks.services import RunOutcome, check_run
from liveness.ops import metrics
from liveness.partners.models import WebhookDelivery
from liveness.partners.webhooks import delivery as webhook_delivery
from liveness.partners.webhooks import endpoints as webhook_endpoints
from tests.factories import CaseFactory
from tests.mediagen import selfie_jpeg

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scrape(client, settings):
    settings.KYC_METRICS_TOKEN = TOKEN

    def read() -> dict[tuple[str, frozenset], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        return {(s.name, frozenset(s.labels.items())): s.value
                for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}
    return read


def total(samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(value for (sample, have), value in samples.items()
               if sample == name and set(labels.items()) <= set(have))


def test_metrics_exist_only_for_the_token(client, settings):
    settings.KYC_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    settings.KYC_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_a_real_check_moves_the_check_vendor_case_and_decision_numbers(scrape, django_capture_on_commit_callbacks):
    before = scrape()
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    with django_capture_on_commit_callbacks(execute=False):
        submission = submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test")
    check = submission.checks.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert check_run(check_id=check.pk, worker="test").outcome is RunOutcome.DONE
    after = scrape()
    check.refresh_from_db()
    case.refresh_from_db()

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    outcome = "passed" if check.passed else "not_passed"
    assert moved("kyc_checks_total", provider="local", outcome=outcome) == 1
    assert moved("kyc_checks_total") == 1
    assert moved("kyc_vendor_call_seconds_count", provider="local", operation="selfie_liveness",
                 result="answered") == 1
    assert moved("kyc_vendor_call_seconds_sum", provider="local") == pytest.approx(check.latency_ms / 1000, abs=0.002)
    assert moved("kyc_case_transitions_total", from_state="processing", to_state=case.state) == 1
    assert moved("kyc_case_decision_seconds_count", decided_by="automatic", to_state=case.state) == 1
    for state in CaseState.values:  # read at scrape time from PostgreSQL
        assert total(after, "kyc_cases", state=state) == Case.objects.filter(state=state).count()
    assert total(after, "kyc_scrape_part_up", part="cases") == 1


def test_a_real_webhook_delivery_moves_the_delivery_numbers(scrape, partner, receiver, queued,
                                                             django_capture_on_commit_callbacks):
    webhook_endpoints.webhook_endpoint_create(partner=partner, url=receiver.url)
    case = CaseFactory(partner=partner)
    for state in (CaseState.PROCESSING, CaseState.APPROVED):
        with django_capture_on_commit_callbacks(execute=True):
            case_services.case_transition(case=case, to=state, reason="test", actor_label="test")
    before = scrape()
    deliveries = list(WebhookDelivery.objects.all())
    assert deliveries
    for delivery in deliveries:
        with django_capture_on_commit_callbacks(execute=True):
            result = webhook_delivery.webhook_deliver(delivery_id=delivery.pk)
        assert result.outcome is webhook_delivery.DeliveryOutcome.DELIVERED
    after = scrape()

    assert len(receiver.requests) == len(deliveries)
    assert total(after, "kyc_webhook_deliveries_total", outcome="delivered") - total(
        before, "kyc_webhook_deliveries_total", outcome="delivered") == len(deliveries)
    assert total(after, "kyc_webhook_delivery_lag_seconds_count") - total(
        before, "kyc_webhook_delivery_lag_seconds_count") == len(deliveries)


def test_a_refused_api_upload_is_counted_by_code(scrape, api, partner):
    case = CaseFactory(partner=partner, kind=CaseKind.SELFIE)
    before = scrape()

    response = api.post(f"/api/v1/cases/{case.public_id}/selfie",
                        {"selfie": base64.b64encode(b"hello, not an image").decode()}, format="json")

    assert response.status_code == 400
    assert total(scrape(), "kyc_uploads_refused_total", door="api", code="not_an_image") - total(
        before, "kyc_uploads_refused_total", door="api", code="not_an_image") == 1


def test_values_written_by_other_processes_are_summed():
    """prometheus-client's multi-process mode, as under gunicorn and Celery prefork: a separate
    process's counts reach this process's scrape through PROMETHEUS_MULTIPROC_DIR."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    from liveness.ops.views import exposition

    def other_process_count() -> float:
        text = exposition().decode()
        return total({(s.name, frozenset(s.labels.items())): s.value
                      for f in text_string_to_metric_families(text) for s in f.samples},
                     "kyc_uploads_refused_total", door="api", code="from_another_process")

    before = other_process_count()
    code = ("from liveness.ops import metrics; "
            "[metrics.upload_refused(door='api', code='from_another_process') for _ in range(3)]")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ})

    assert any(Path(folder).glob("counter_*.db"))
    assert other_process_count() - before == 3


def test_a_failing_metric_never_breaks_a_check(monkeypatch, django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise RuntimeError("metrics backend broke")

    monkeypatch.setattr(metrics.CHECKS, "labels", broken)
    monkeypatch.setattr(metrics.VENDOR_LATENCY, "labels", broken)
    monkeypatch.setattr(metrics.CASE_MOVES, "labels", broken)
    case = case_open(kind=CaseKind.SELFIE, actor_label="test")
    with django_capture_on_commit_callbacks(execute=False):
        submission = submission_accept(case=case, selfie=selfie_jpeg(), source="test", actor_label="test")
    with django_capture_on_commit_callbacks(execute=True):
        result = check_run(check_id=submission.checks.get().pk, worker="test")

    assert result.outcome is RunOutcome.DONE
    case.refresh_from_db()
    assert case.state != CaseState.PROCESSING


def test_a_worker_serves_its_processes_metrics_on_its_own_port(settings, tmp_path, monkeypatch):
    """A Celery worker (KYC_METRICS_PORT): its folder emptied at start, then served privately."""
    import socket
    import urllib.request

    from liveness.ops import celery_context

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.KYC_METRICS_PORT, settings.KYC_METRICS_ADDRESS = port, "127.0.0.1"
    folder = tmp_path / "worker-metrics"
    folder.mkdir()
    (folder / "counter_4194999.db").write_bytes(b"stale values of an earlier run")  # above Linux's pid_max
    live = folder / f"counter_{os.getpid()}.db"
    live.write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))

    celery_context._worker_start()

    assert not (folder / "counter_4194999.db").exists() and live.exists()
    live.unlink()
    code = "from liveness.ops import metrics; metrics.rate_limit_answered(provider='from_a_worker_process')"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env={**os.environ})
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()  # noqa: S310
    assert 'kyc_vendor_rate_limited_total{provider="from_a_worker_process"} 1.0' in text


def test_a_decision_time_is_observed_without_a_query_of_its_own(scrape, django_capture_on_commit_callbacks):
    """The latest submission's time comes with the case row case_transition locks: no separate query
    on submissions, and the observed wait is the one since the latest submission."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from liveness.cases.models import Submission

    case = CaseFactory(state=CaseState.PROCESSING)
    Submission.objects.create(case=case, kind=case.kind, source="test", created_at=timezone.now() - timedelta(hours=3))
    Submission.objects.create(case=case, kind=case.kind, source="test", created_at=timezone.now() - timedelta(seconds=40))
    before = scrape()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case, to=CaseState.APPROVED, reason="test", actor_label="test")
    sql = [q["sql"] for q in queries]  # read before the scrape's request resets the log
    after = scrape()

    assert any('FROM "cases_submission"' in q for q in sql), "the lock query reads the submission"
    assert [q for q in sql if q.startswith('SELECT "cases_submission"')] == []
    waited = (total(after, "kyc_case_decision_seconds_sum", decided_by="automatic", to_state="approved")
              - total(before, "kyc_case_decision_seconds_sum", decided_by="automatic", to_state="approved"))
    assert 40 <= waited < 60


def test_one_registry_function_serves_the_scrape_and_the_worker_listener(monkeypatch):
    from prometheus_client import REGISTRY

    from liveness.ops import celery_context, views

    assert "counted_registry" in vars(views) and "MultiProcessCollector" not in Path(views.__file__).read_text()
    assert "MultiProcessCollector" not in Path(celery_context.__file__).read_text()
    metrics.upload_refused(door="api", code="registry_probe")
    summed = {s.name for f in metrics.counted_registry().collect() for s in f.samples}
    assert metrics.counted_registry() is not REGISTRY and "kyc_uploads_refused_total" in summed
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    assert metrics.counted_registry() is REGISTRY
