"""Each queue's backlog and consumers, and how far behind checks and webhook deliveries are.

    python manage.py queues_status [--json] [--timeout 2] [--max-wait 300]

Exit status 0 when every queue has a consumer and nothing due has waited longer than
``--max-wait`` seconds, 2 otherwise (the problems are printed): usable as a monitoring check.
"""
import json

from django.core.management.base import BaseCommand

from liveness.web.health import queues_report


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "none due"
    return f"oldest due {seconds:.0f} s ago" if seconds < 120 else f"oldest due {seconds / 60:.0f} min ago"


class Command(BaseCommand):
    help = "Queue backlogs and consumers, late checks and webhook deliveries; exit 2 on a problem."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object, for machines")
        parser.add_argument("--timeout", type=float, default=2.0, help="Seconds to wait for worker replies")
        parser.add_argument("--max-wait", type=float, default=300.0,
                            help="Seconds due work may wait before it is a problem (default 300)")

    def handle(self, *args, as_json: bool, timeout: float, max_wait: float, **options):
        report = queues_report(timeout=timeout, max_wait_s=max_wait)
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(f"{'queue':<10} {'waiting':>7}  consumers")
            for queue in report.queues:
                self.stdout.write(f"{queue.name:<10} {queue.waiting:>7}  {', '.join(queue.consumers) or '-'}")
            self.stdout.write(f"checks: {report.checks_due} due ({_age(report.checks_oldest_due_s)}), "
                              f"{report.checks_in_flight} in flight")
            self.stdout.write(f"webhook deliveries: {report.deliveries_due} due ({_age(report.deliveries_oldest_due_s)}), "
                              f"{report.deliveries_failed_24h} failed in the last 24 h")
            if report.vendor_paces:
                self.stdout.write("vendor rate limits: " + ", ".join(
                    f"{provider} {limit['per_second']:g}/s" + (
                        "" if limit["pace"] >= 1 else f" (paced at {limit['pace'] * 100:.0f} %, recovering from the "
                                                     f"vendor's rate-limit answers)")
                    for provider, limit in report.vendor_paces.items()))
            for problem in report.problems:
                self.stdout.write(f"PROBLEM: {problem}")
        if report.problems:
            raise SystemExit(2)
