"""deploy/grafana/kyc-portal.json: a dashboard Grafana can import, whose every query names only
metrics the portal really exports (read from a live collection, not a hand-kept list), and which
shows every metric the portal exports."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from liveness.ops import metrics
from liveness.ops.collectors import ProductCollector

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/kyc-portal.json"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}


def _product_families() -> list:
    """The families /metrics serves: the product's counters and histograms (metrics.py) and the
    gauges read at scrape time (collected here, against this test's PostgreSQL and Redis)."""
    ours = {id(value) for value in vars(metrics).values()}
    families = [family for collector in list(REGISTRY._collector_to_names) if id(collector) in ours
                for family in collector.collect()]
    return families + list(ProductCollector().collect())


def _exported_series(families) -> set[str]:
    names = set()
    for family in families:
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names


def _exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]


@pytest.mark.django_db
def test_every_query_names_only_exported_metrics_and_every_metric_has_a_panel():
    families = _product_families()
    exported = _exported_series(families)
    assert {"kyc_checks_total", "kyc_vendor_call_seconds_bucket", "kyc_cases", "kyc_queue_messages"} <= exported

    used = {name for expr in _exprs() for name in re.findall(r"\b(kyc_[a-z0-9_]+)", expr)}
    assert used <= exported, f"not exported: {sorted(used - exported)}"
    shown = {family.name for family in families
             if any(series in used for series in _exported_series([family]))}
    assert shown == {family.name for family in families}, "every exported metric has a panel"


def test_the_dashboard_is_importable_json_with_one_datasource_variable():
    board = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)) and board["uid"] == "kyc-portal"
    assert [v["name"] for v in board["templating"]["list"]] == ["datasource"]
    for panel in board["panels"]:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] == "${datasource}" and target["expr"].strip()
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
    assert all(panel.get("targets") for panel in board["panels"] if panel["type"] != "row")

