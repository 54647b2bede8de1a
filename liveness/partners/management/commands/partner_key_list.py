"""List partner API keys by their public prefix (the secret is never stored, so never shown).

    python manage.py partner_key_list ["Acme Bank"] [--all]
"""
from django.core.management.base import BaseCommand, CommandError

from liveness.partners.models import Partner, PartnerApiKey


class Command(BaseCommand):
    help = "List API keys (public prefix, mode, name, created, last used); revoked ones with --all."

    def add_arguments(self, parser):
        parser.add_argument("partner", nargs="?", help="Partner name (default: every partner)")
        parser.add_argument("--all", action="store_true", help="Include revoked keys")

    def handle(self, *args, partner, all, **options):
        keys = PartnerApiKey.objects.select_related("partner").order_by("partner__name", "created_at")
        if partner:
            row = Partner.objects.filter(name=partner).first()
            if row is None:
                raise CommandError(f"no partner named {partner!r}")
            keys = keys.filter(partner=row)
        if not all:
            keys = keys.filter(revoked_at__isnull=True)
        for key in keys:
            used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
            state = f"revoked {key.revoked_at.isoformat(timespec='minutes')}" if key.revoked_at else "active"
            self.stdout.write(f"{key.display_prefix}\t{key.partner.name}\t{key.name or '-'}\t"
                              f"created {key.created_at.isoformat(timespec='minutes')}\tlast used {used}\t{state}")
