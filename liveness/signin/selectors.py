"""Reads for staff sign-in: a user's authenticator and recovery codes, the staff list with 2FA status."""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_confirmed(*, user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def totp_device_pending(*, user) -> TOTPDevice | None:
    """The device being enrolled (created, QR shown, no correct code yet)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()


def recovery_device(*, user) -> StaticDevice | None:
    """The user's recovery codes live as the tokens of one confirmed django-otp ``StaticDevice``."""
    if not user.is_authenticated:
        return None
    return StaticDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def recovery_codes_remaining(*, user) -> int:
    """How many unused recovery codes ``user`` has (a used code is deleted by django-otp)."""
    if not user.is_authenticated:
        return 0
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_codes_unused(*, user, codes: list[str]) -> list[str]:
    """Those of ``codes`` that are still valid for ``user``, in the given order."""
    if not user.is_authenticated or not codes:
        return []
    valid = set(StaticToken.objects.filter(device__user=user, device__confirmed=True, token__in=codes)
                .values_list("token", flat=True))
    return [code for code in codes if code in valid]


@dataclass(frozen=True)
class StaffTwoFactorRow:
    user_id: int
    username: str
    groups: list[str]
    enrolled: bool
    enrolled_at: datetime | None
    last_used_at: datetime | None
    is_superuser: bool
    recovery_codes: int


def staff_two_factor_rows() -> list[StaffTwoFactorRow]:
    users = (get_user_model().objects.filter(is_staff=True, is_active=True)
             .prefetch_related("groups").order_by("username"))
    devices: dict[int, TOTPDevice] = {}
    for device in TOTPDevice.objects.filter(confirmed=True, user__in=users).order_by("pk"):
        devices.setdefault(device.user_id, device)
    recovery = dict(StaticToken.objects.filter(device__confirmed=True, device__user__in=users)
                    .values("device__user_id").annotate(n=Count("pk")).values_list("device__user_id", "n"))
    rows = []
    for user in users:
        device = devices.get(user.pk)
        rows.append(StaffTwoFactorRow(
            user_id=user.pk, username=user.get_username(), groups=[g.name for g in user.groups.all()],
            enrolled=device is not None, enrolled_at=device.created_at if device else None,
            last_used_at=device.last_used_at if device else None, is_superuser=user.is_superuser,
            recovery_codes=recovery.get(user.pk, 0)))
    return rows


def totp_secret_base32(*, device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (RFC 4648 base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")
