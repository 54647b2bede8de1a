"""Writes for staff sign-in: audit events, TOTP enrolment and verification, device reset.

Same rules as ``liveness.services``: keyword-only ``<entity>_<action>`` functions,
``@transaction.atomic`` where they write, an ``AuditEvent`` for every change. Audit actions:

* ``auth.signed_in``   — a sign-in completed (details: ``second_factor`` "totp" or "none");
* ``auth.otp_failed``  — a wrong, malformed or throttled code at the second step;
* ``auth.otp_enrolled`` — an authenticator confirmed with a correct code;
* ``auth.otp_reset``   — someone removed another account's authenticator;
* ``auth.locked_out``  — django-axes refused a username at an address (actor-less: the
  name was typed by whoever was trying, so ``actor_label`` is ``signin:<typed name>``);
* ``auth.signed_out``.
"""
from __future__ import annotations

import django_otp
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..dashboard.services import actor_label_for
from ..models import AuditEvent
from ..services import audit_record
from .selectors import totp_device_confirmed, totp_device_pending

DEVICE_NAME = "authenticator app"


class TwoFactorResetRefused(Exception):
    pass


def signin_record(*, user: AbstractBaseUser, second_factor: str, ip_address: str | None) -> AuditEvent:
    return audit_record(action="auth.signed_in", actor=user, actor_label=actor_label_for(user),
                        details={"second_factor": second_factor}, ip_address=ip_address)


def signout_record(*, user: AbstractBaseUser, ip_address: str | None) -> AuditEvent:
    return audit_record(action="auth.signed_out", actor=user, actor_label=actor_label_for(user),
                        ip_address=ip_address)


def lockout_record(*, username: str | None, ip_address: str | None, failures: int | None) -> AuditEvent:
    """``failures`` is the count that triggered the lock, or None for an attempt refused while locked."""
    return audit_record(action="auth.locked_out", actor_label=f"signin:{(username or '?')[:90]}",
                        details={"username": username or "", "failures": failures,
                                 "refused_while_locked": failures is None},
                        ip_address=ip_address)


def totp_verify(*, user: AbstractBaseUser, token: str, ip_address: str | None) -> TOTPDevice | None:
    """The confirmed device that accepts ``token`` now, or None (audited as ``auth.otp_failed``).

    django-otp refuses a code already used (``last_t``) and, after a failure, any code for
    1, 2, 4... seconds (``OTP_TOTP_THROTTLE_FACTOR``); both count as failures here.
    """
    device = totp_device_confirmed(user=user)
    verified = None
    if device is not None:
        allowed, _ = device.verify_is_allowed()
        verified = django_otp.verify_token(user, device.persistent_id, token)
    if verified is None:
        audit_record(action="auth.otp_failed", actor=user, actor_label=actor_label_for(user),
                     details={"step": "verify", "throttled": device is not None and not allowed},
                     ip_address=ip_address)
    return verified


@transaction.atomic
def totp_enrol_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed device (a new random key on first call; the same one on reloads,
    so a QR code already scanned stays valid). Refused when a device is already confirmed."""
    if totp_device_confirmed(user=user) is not None:
        raise ValueError("this account already has a confirmed authenticator")
    return totp_device_pending(user=user) or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_enrol_confirm(*, user: AbstractBaseUser, token: str, ip_address: str | None) -> TOTPDevice | None:
    """Confirm the pending device if ``token`` is its current code; other pending devices go."""
    device = totp_device_pending(user=user)
    if device is None or totp_device_confirmed(user=user) is not None:
        return None
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        audit_record(action="auth.otp_failed", actor=user, actor_label=actor_label_for(user),
                     details={"step": "enrol"}, ip_address=ip_address)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    audit_record(action="auth.otp_enrolled", actor=user, actor_label=actor_label_for(user),
                 details={"device": device.persistent_id}, ip_address=ip_address)
    return device


@transaction.atomic
def totp_reset(*, user: AbstractBaseUser, actor: AbstractBaseUser | None, actor_label: str,
               ip_address: str | None = None) -> int:
    """Remove every authenticator of ``user`` (lost phone); they enrol again at next sign-in.

    Their open sessions lose verification at once (the session names a device that no longer
    exists). Nobody resets their own (that would let a stolen session re-enrol), and only a
    superuser resets a superuser's. ``actor`` None is the operator's command line.
    """
    if actor is not None:
        if actor.pk == user.pk:
            raise TwoFactorResetRefused("You cannot reset your own authenticator; ask another supervisor.")
        if user.is_superuser and not actor.is_superuser:
            raise TwoFactorResetRefused("Only a superuser can reset a superuser's authenticator.")
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=None).select_for_update())
    count = len(devices)
    TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).delete()
    audit_record(action="auth.otp_reset", actor=actor, actor_label=actor_label, ip_address=ip_address,
                 details={"user": user.get_username(), "user_id": user.pk, "devices_removed": count})
    return count

