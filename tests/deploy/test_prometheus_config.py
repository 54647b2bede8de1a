"""deploy/prometheus: the files parse, cover the alerts the issue asks for, and every kyc_ metric
they name is one the portal exports (a renamed metric must not leave a rule that never fires)."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from liveness.ops import metrics  # noqa: F401  (registers the product's metrics)
from liveness.ops.collectors import ProductCollector

ROOT = Path(__file__).resolve().parents[2]
SCRAPE_TIME = {"kyc_queue_messages", "kyc_queue_consumers", "kyc_work_due", "kyc_work_oldest_due_seconds",
               "kyc_checks_in_flight", "kyc_webhook_deliveries_failed_24h", "kyc_cases", "kyc_scrape_part_up"}


def _exported() -> set[str]:
    names = set(SCRAPE_TIME)
    for collector in list(REGISTRY._collector_to_names):
        for family in collector.describe() if hasattr(collector, "describe") else []:
            names.update(sample.name for sample in family.samples)
            names.update({f"{family.name}_total", f"{family.name}_count", f"{family.name}_sum",
                          f"{family.name}_bucket"})
    return names


def test_scrape_time_gauges_are_the_ones_listed():
    source = (ROOT / "liveness/ops/collectors.py").read_text()
    assert set(re.findall(r'"(kyc_[a-z0-9_]+)"', source)) == SCRAPE_TIME
    assert ProductCollector


def test_alert_rules_cover_the_issue_and_name_only_exported_metrics():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert config["rule_files"] == ["alerts.yml"]
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())["groups"][0]["rules"]
    names = {rule["alert"] for rule in rules}
    assert {"VendorErrorRateHigh", "QueueWorkWaiting", "WebhookDeliveriesFailing", "QueueWithoutWorker"} <= names
    used = {name for rule in rules for name in re.findall(r"\b(kyc_[a-z0-9_]+)", rule["expr"])}
    assert used and used <= _exported(), used - _exported()


def test_gunicorn_empties_the_metrics_folder_at_start_and_marks_dead_workers(tmp_path, monkeypatch):
    import importlib.util
    from types import SimpleNamespace

    folder = tmp_path / "web-metrics"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    spec = importlib.util.spec_from_file_location("_gunicorn_conf_under_test", ROOT / "deploy/gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    import os
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (folder / f"counter_{gone}.db").write_bytes(b"an earlier run")
    (folder / f"gauge_livesum_{gone}.db").write_bytes(b"")
    live = folder / f"counter_{os.getpid()}.db"
    live.write_bytes(b"a process still running (another service sharing the folder)")

    conf.on_starting(server=None)
    assert list(folder.iterdir()) == [live]

    marked = []
    from prometheus_client import multiprocess

    monkeypatch.setattr(multiprocess, "mark_process_dead", lambda pid, path=None: marked.append(pid))
    conf.child_exit(server=None, worker=SimpleNamespace(pid=4343))
    assert marked == [4343]
