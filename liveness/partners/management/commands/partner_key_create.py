"""Create a partner API key and print it once: only its hash is stored.

    python manage.py partner_key_create "Acme Bank" [--test] [--create-partner] [--name backend]
"""
from django.core.management.base import BaseCommand, CommandError

from liveness.partners import keys as partner_keys
from liveness.partners.models import Partner


class Command(BaseCommand):
    help = "Create an API key for a partner and print it (it cannot be shown again)."

    def add_arguments(self, parser):
        parser.add_argument("partner", help="Partner name")
        parser.add_argument("--test", action="store_true",
                            help="A test key: its checks always run on the local engine, never a paid vendor")
        parser.add_argument("--create-partner", action="store_true", help="Create the partner if it does not exist")
        parser.add_argument("--name", default="", help="What the key is for (shown to operators)")

    def handle(self, *args, partner, test, create_partner, name, **options):
        if create_partner:
            row, _ = Partner.objects.get_or_create(name=partner)
        else:
            row = Partner.objects.filter(name=partner).first()
            if row is None:
                raise CommandError(f"no partner named {partner!r} (add --create-partner to create it)")
        key, full = partner_keys.key_create(partner=row, is_test=test, name=name)
        self.stderr.write(f"{key.mode} key for {row.name} (partner id {row.pk}); store it now, it is not shown again:")
        self.stdout.write(full)
