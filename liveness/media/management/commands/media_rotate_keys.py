"""Re-encrypt every stored media file not under the active key. See liveness/media/sealing.py."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from liveness.media.sealing import media_rotate_keys


class Command(BaseCommand):
    help = ("Re-encrypt media blobs under the active key (first in MEDIA_ENCRYPTION_KEYS). "
            "Resumable and idempotent: run it until it reports 0 remaining, then remove the old key.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument("--limit", type=int, default=None, help="Stop after this many blobs")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be re-encrypted")

    def handle(self, *args, batch_size, limit, dry_run, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        report = media_rotate_keys(batch_size=batch_size, limit=limit, dry_run=dry_run)
        old = ", ".join(f"{kid}: {n}" for kid, n in sorted(report.by_old_key.items())) or "none"
        self.stdout.write(f"active key: {report.active_key_id}; blobs under other keys before: {old}")
        missing = sorted(set(report.by_old_key) - set(settings.MEDIA_ENCRYPTION_KEYS))
        if missing:
            self.stderr.write(f"keys not configured (those blobs cannot be read): {', '.join(missing)}")
        if dry_run:
            self.stdout.write(f"dry run: {report.remaining} would be re-encrypted")
            return
        self.stdout.write(f"re-encrypted: {report.rotated}; failed: {len(report.failed)}; remaining: {report.remaining}")
        for blob_id, reason in report.failed.items():
            self.stderr.write(f"  {blob_id}: {reason}")
        if report.failed:
            raise CommandError(f"{len(report.failed)} blob(s) could not be re-encrypted")
