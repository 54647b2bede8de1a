"""Reads for staff sign-in: a user's authenticator, the staff list with 2FA status."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_confirmed(*, user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_device_pending(*, user) -> TOTPDevice | None:
    """The device being enrolled (created, QR shown, no correct code yet)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()


@dataclass(frozen=True)
class StaffTwoFactorRow:
    user_id: int
    username: str
    groups: list[str]
    enrolled: bool
    enrolled_at: datetime | None
    last_used_at: datetime | None
    is_superuser: bool


def staff_two_factor_rows() -> list[StaffTwoFactorRow]:
    users = (get_user_model().objects.filter(is_staff=True, is_active=True)
             .prefetch_related("groups").order_by("username"))
    devices: dict[int, TOTPDevice] = {}
    for device in TOTPDevice.objects.filter(confirmed=True, user__in=users).order_by("pk"):
        devices.setdefault(device.user_id, device)
    rows = []
    for user in users:
        device = devices.get(user.pk)
        rows.append(StaffTwoFactorRow(
            user_id=user.pk, username=user.get_username(), groups=[g.name for g in user.groups.all()],
            enrolled=device is not None, enrolled_at=device.created_at if device else None,
            last_used_at=device.last_used_at if device else None, is_superuser=user.is_superuser))
    return rows


def totp_secret_base32(*, device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (RFC 4648 base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")
