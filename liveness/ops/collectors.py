"""Gauges read at scrape time from Redis and PostgreSQL: queue depth, consumers, the oldest due
work, cases by state. Read when Prometheus asks (every 30 s or so), so they are always current
and need no process to keep them; each part that cannot be read reports ``kyc_scrape_part_up 0``
instead of failing the whole scrape."""
from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


class ProductCollector(Collector):
    """The scrape-time gauges (docs/deploy.md lists them)."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("kyc_scrape_part_up", "1 when this part of the scrape could be read", labels=["part"])
        for part, reader in (("queues", self._queues), ("cases", self._cases)):
            try:
                yield from reader()
                up.add_metric([part], 1)
            except Exception:
                logger.exception("metrics: the %s part of the scrape could not be read", part)
                up.add_metric([part], 0)
        yield up

    def _queues(self) -> Iterator[Metric]:
        from liveness.web.health import queues_report

        report = queues_report(timeout=settings.KYC_METRICS_WORKER_TIMEOUT)
        depth = GaugeMetricFamily("kyc_queue_messages", "Messages waiting in the broker, by queue", labels=["queue"])
        consumers = GaugeMetricFamily("kyc_queue_consumers", "Worker processes' pools consuming the queue",
                                      labels=["queue"])
        for queue in report.queues:
            depth.add_metric([queue.name], queue.waiting)
            consumers.add_metric([queue.name], len(queue.consumers))
        due = GaugeMetricFamily("kyc_work_due", "Jobs due now and not yet taken, by kind (check, webhook)",
                                labels=["kind"])
        due.add_metric(["check"], report.checks_due)
        due.add_metric(["webhook"], report.deliveries_due)
        oldest = GaugeMetricFamily("kyc_work_oldest_due_seconds", "Age of the oldest job due and not taken, by kind "
                                   "(0 when none): the oldest message's wait", labels=["kind"])
        oldest.add_metric(["check"], report.checks_oldest_due_s or 0.0)
        oldest.add_metric(["webhook"], report.deliveries_oldest_due_s or 0.0)
        in_flight = GaugeMetricFamily("kyc_checks_in_flight", "Checks claimed by a worker right now")
        in_flight.add_metric([], report.checks_in_flight)
        failed = GaugeMetricFamily("kyc_webhook_deliveries_failed_24h", "Deliveries given up in the last 24 h")
        failed.add_metric([], report.deliveries_failed_24h)
        yield from (depth, consumers, due, oldest, in_flight, failed)

    def _cases(self) -> Iterator[Metric]:
        from liveness.cases.models import Case, CaseState

        counts = dict(Case.objects.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        cases = GaugeMetricFamily("kyc_cases", "Cases by state", labels=["state"])
        for state in CaseState.values:
            cases.add_metric([state], counts.get(state, 0))
        yield cases
