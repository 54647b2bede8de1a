"""Delete media files that no media row names. See liveness/media/orphans.py."""
from django.core.management.base import BaseCommand

from liveness.media.orphans import media_orphans_sweep, orphan_grace


class Command(BaseCommand):
    help = ("Delete encrypted media files in the storage that no live media row names (left by a rolled-back "
            "upload or an interrupted key rotation), once older than KYC_ORPHAN_GRACE_HOURS. "
            "One media.orphans_swept audit event per run that deletes something.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted; change nothing")

    def handle(self, *args, dry_run, **options):
        self.stdout.write(f"grace period: {orphan_grace().total_seconds() / 3600:g} h")
        report = media_orphans_sweep(dry_run=dry_run)
        self.stdout.write(f"scanned {report.scanned} media file(s): {report.referenced} in use, "
                          f"{report.too_recent} unreferenced but too recent")
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {len(report.orphans)} orphaned file(s), {report.bytes} bytes")
        if dry_run:
            for name in report.orphans:
                self.stdout.write(f"  {name}")
        for name, reason in report.failed.items():
            self.stderr.write(f"  could not delete {name}: {reason}")
