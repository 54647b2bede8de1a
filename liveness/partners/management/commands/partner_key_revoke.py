"""Revoke a partner API key at once: its next request is a 401. Audited (``api_key.revoked``).

    python manage.py partner_key_revoke kyc_live_<prefix> [--reason "leaked in a log"]

The key is named by its public prefix, as ``partner_key_list`` shows it, so the secret never
has to be typed into a shell history (a whole leaked key is accepted too). Revoking is final:
create a new key for the partner.
"""
from django.core.management.base import BaseCommand, CommandError

from liveness.partners import keys as partner_keys
from liveness.partners.models import PartnerApiKey


class Command(BaseCommand):
    help = "Revoke a partner API key, named by its prefix (kyc_live_<prefix> or kyc_test_<prefix>)."

    def add_arguments(self, parser):
        parser.add_argument("key", help="The key's public prefix, as partner_key_list shows it")
        parser.add_argument("--reason", default="", help="Why (kept in the audit event)")

    def handle(self, *args, key, reason, **options):
        parts = key.split("_", 3)  # a whole leaked key works too: its first three parts are the prefix
        if len(parts) < 3 or parts[0] != "kyc" or parts[1] not in ("live", "test") or not parts[2]:
            raise CommandError(f"{key[:24]!r} is not a key prefix (expected kyc_live_<prefix> or kyc_test_<prefix>)")
        mode, prefix = parts[1], parts[2]
        row = PartnerApiKey.objects.select_related("partner").filter(prefix=prefix).first()
        if row is None or row.mode != mode:
            raise CommandError(f"no API key kyc_{mode}_{prefix}")
        if row.revoked_at is not None:
            self.stdout.write(f"{row.display_prefix} of {row.partner.name} was already revoked at "
                              f"{row.revoked_at.isoformat(timespec='seconds')}")
            return
        partner_keys.key_revoke(key=row, actor_label="system:cli", reason=reason)
        self.stdout.write(f"revoked {row.display_prefix} of {row.partner.name}")
