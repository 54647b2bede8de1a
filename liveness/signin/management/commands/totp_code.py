"""Development only: print the code a user's authenticator shows now (the demo reviewer has no phone)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from liveness.signin.selectors import totp_device_confirmed


class Command(BaseCommand):
    help = "Development only: print the current TOTP code of USERNAME's confirmed authenticator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            # Anyone with a shell could otherwise pass anyone's second factor.
            raise CommandError("totp_code is for development only; it refuses to run with KYC_ENV=production")
        user = get_user_model().objects.filter(username=username).first()
        device = totp_device_confirmed(user=user) if user is not None else None
        if device is None:
            raise CommandError(f"{username!r} has no confirmed authenticator (run demo_setup, or sign in to enrol)")
        totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
