"""Create (or reset) the demo reviewer and print its login. Used by scripts/run."""
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand


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
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="liveness"))
        # The demo shows every role: supervisor (four-eyes approvals) and compliance admin (thresholds).
        user.groups.set(Group.objects.filter(name__in=["reviewer", "supervisor", "compliance_admin"]))
        self.stdout.write(
            "\n"
            f"  Demo reviewer ({'created' if created else 'password reset'}):\n"
            f"    login    {url}/dashboard/  (Django admin: {url}/admin/)\n"
            f"    user     {username}\n"
            f"    password {password}\n\n"
        )
