"""Remove a staff account's authenticator and recovery codes (lost phone) from the command line,
audited as system:cli.

For when no supervisor can do it from the dashboard (``/staff/two-factor/``), e.g. the only
supervisor lost theirs. The person enrols a new authenticator at their next sign-in.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from liveness.signin.services import totp_reset


class Command(BaseCommand):
    help = "Remove USERNAME's TOTP authenticator(s) and recovery codes; they set up a new one at their next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"no staff user named {username!r}")
        removed = totp_reset(user=user, actor=None, actor_label="system:cli")
        self.stdout.write(f"removed {removed} authenticator(s) and the recovery codes of {username}; "
                          f"they enrol again at next sign-in")
