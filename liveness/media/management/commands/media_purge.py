"""Purge the media of cases past their retention period. See liveness/media/retention.py."""
from django.core.management.base import BaseCommand

from liveness.media.retention import media_purge_expired, retention_days


class Command(BaseCommand):
    help = ("Delete the encrypted media of cases older than KYC_RETENTION_DAYS for their state "
            "(never processing or manual review); rows and audit stay. One media.purged audit event per case.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be purged; change nothing")
        parser.add_argument("--limit", type=int, default=None, help="At most this many cases")

    def handle(self, *args, dry_run, limit, **options):
        policy = ", ".join(f"{state} after {days} d" for state, days in sorted(retention_days().items())) or "none"
        self.stdout.write(f"retention: {policy}")
        report = media_purge_expired(dry_run=dry_run, limit=limit)
        verb = "would purge" if dry_run else "purged"
        self.stdout.write(f"{verb} {report.blobs} media file(s) of {len(report.cases)} case(s)")
        for state, n in sorted(report.by_state.items()):
            self.stdout.write(f"  {state}: {n} case(s)")
        if dry_run and report.cases:
            self.stdout.write("  case ids: " + ", ".join(map(str, report.cases)))
