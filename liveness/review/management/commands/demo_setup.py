"""Create (or reset) the demo reviewer and print its login. Used by scripts/run.

Staff sign in with a password and a TOTP code, so the demo reviewer gets a confirmed
authenticator (kept across runs, so a phone set up once keeps working); the printed
otpauth:// URL goes into an authenticator app, or ``manage.py totp_code`` prints the code.
"""
import os
import secrets
import shlex
import sys
from pathlib import Path

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django_otp.plugins.otp_totp.models import TOTPDevice

from liveness.review.models import DASHBOARD_GROUPS


class Command(BaseCommand):
    help = "Create or reset the demo reviewer account and print its login."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="reviewer")
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args, username, url, **options):
        password = secrets.token_urlsafe(12)
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.is_superuser = False
        user.save()
        # Only the dashboard's roles, through their groups: no model permission of its own (the admin
        # would otherwise let the demo account edit or delete rows the dashboard audits).
        user.user_permissions.clear()
        # The demo shows every role: supervisor (four-eyes approvals) and compliance admin (thresholds).
        user.groups.set(Group.objects.filter(name__in=DASHBOARD_GROUPS))
        AxesProxyHandler.reset_attempts(username=username)  # a fresh password also lifts a lock-out
        device = (TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
                  or TOTPDevice.objects.create(user=user, name="demo authenticator", confirmed=True))
        self.stdout.write(
            "\n"
            f"  Demo reviewer ({'created' if created else 'password reset'}):\n"
            f"    login    {url}/dashboard/  (Django admin: {url}/admin/)\n"
            f"    user     {username}\n"
            f"    password {password}\n"
            f"    2FA code {_database_prefix()}{_python()} manage.py totp_code {username}   (or add to an authenticator app:\n"
            f"             {device.config_url} )\n\n"
        )


def _database_prefix() -> str:
    """``DATABASE_URL=... `` when the portal runs on a database given in the environment (not the
    default SQLite file): a command typed in another terminal without it would quietly read the
    SQLite file instead and answer "no such user"."""
    url = os.environ.get("DATABASE_URL", "")
    return f"DATABASE_URL={shlex.quote(url)} " if url else ""


def _python() -> str:
    """The interpreter running this command, as the person can type it: ``.venv/bin/python`` from the
    project folder (a bare ``python`` is missing on Debian, or one without Django)."""
    executable = Path(sys.executable)
    try:
        return str(executable.relative_to(Path.cwd()))
    except ValueError:
        return str(executable)
