"""Writes for staff sign-in: audit events, TOTP enrolment and verification, recovery codes, device reset.

Same rules as ``liveness.cases.services``: keyword-only ``<entity>_<action>`` functions,
``@transaction.atomic`` where they write, an ``AuditEvent`` for every change. Audit actions:

* ``auth.signed_in``   — a sign-in completed (details: ``second_factor`` "totp", "recovery_code"
  or "none");
* ``auth.otp_failed``  — a wrong or throttled code (TOTP or recovery code) at the second step;
* ``auth.otp_enrolled`` — an authenticator confirmed with a correct code;
* ``auth.recovery_codes_created`` — a new set of recovery codes (details: ``count``, ``replaced``,
  ``removed`` = unused old codes that stopped working; never the codes themselves);
* ``auth.recovery_code_used`` — a recovery code spent at sign-in (details: ``remaining``);
* ``auth.otp_reset``   — someone removed another account's authenticator and recovery codes;
* ``auth.locked_out``  — django-axes refused a username at an address (actor-less: the
  name was typed by whoever was trying, so ``actor_label`` is ``signin:<typed name>``);
* ``auth.signed_out``.
"""
from __future__ import annotations

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from liveness.cases.audit import audit_record
from liveness.cases.models import AuditEvent
from liveness.review.services import actor_label_for
from liveness.signin.selectors import (
    recovery_codes_remaining,
    recovery_device,
    totp_device_confirmed,
    totp_device_pending,
)

DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"
#: Codes in a set; at or below RECOVERY_CODES_LOW left, the person is told to make a new set.
RECOVERY_CODE_COUNT = 10
RECOVERY_CODES_LOW = 3


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
    return _device_verify(user=user, device=totp_device_confirmed(user=user), token=token, ip_address=ip_address,
                          failure={})


def _device_verify(*, user: AbstractBaseUser, device, token: str, ip_address: str | None, failure: dict):
    """``device`` if it accepts ``token`` now (django-otp spends the code), else None, audited as
    ``auth.otp_failed`` with ``failure`` added to the details; a throttled device is a failure too."""
    verified, allowed = None, True
    if device is not None:
        allowed, _ = device.verify_is_allowed()
        verified = django_otp.verify_token(user, device.persistent_id, token)
    if verified is None:
        audit_record(action="auth.otp_failed", actor=user, actor_label=actor_label_for(user),
                     details={"step": "verify", **failure, "throttled": not allowed}, ip_address=ip_address)
    return verified


@transaction.atomic
def recovery_codes_create(*, user: AbstractBaseUser, ip_address: str | None) -> list[str]:
    """A new set of ``RECOVERY_CODE_COUNT`` single-use codes for ``user``; every older code stops working.

    The codes are django-otp ``StaticToken``s (8 random base32 characters, 40 bits each) of
    the user's one ``StaticDevice``, stored in plaintext like the TOTP keys. The device itself
    is kept (only its tokens change) so that a session verified with a recovery code stays
    verified; any further static device of the user is removed. The plaintext is returned for
    showing once and appears in no audit event.
    """
    # Two tabs regenerating at once: one after the other, never two devices.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    devices = list(StaticDevice.objects.devices_for_user(user, confirmed=None).select_for_update().order_by("pk"))
    replaced = bool(devices)
    removed = StaticToken.objects.filter(device__in=devices).count()
    if devices:
        device = devices[0]
        StaticDevice.objects.filter(pk__in=[d.pk for d in devices[1:]]).delete()
        device.token_set.all().delete()
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    else:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(action="auth.recovery_codes_created", actor=user, actor_label=actor_label_for(user),
                 details={"count": len(codes), "replaced": replaced, "removed": removed}, ip_address=ip_address)
    return codes


def recovery_code_verify(*, user: AbstractBaseUser, token: str, ip_address: str | None) -> StaticDevice | None:
    """The user's recovery device if ``token`` (normalised: lower case, no separators) is one of
    their unused codes, which is then deleted; else None, audited as ``auth.otp_failed``.

    django-otp locks the device row while checking (two requests with the same code: one wins)
    and, after a wrong code, refuses any code for 1, 2, 4... seconds (``OTP_STATIC_THROTTLE_FACTOR``).
    """
    verified = _device_verify(user=user, device=recovery_device(user=user), token=token, ip_address=ip_address,
                              failure={"factor": "recovery_code"})
    if verified is None:
        return None
    audit_record(action="auth.recovery_code_used", actor=user, actor_label=actor_label_for(user),
                 details={"remaining": recovery_codes_remaining(user=user)}, ip_address=ip_address)
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
    """Remove every authenticator and every recovery code of ``user`` (lost phone); they enrol
    again at next sign-in (and get new recovery codes then). Returns the authenticators removed.

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
    static = list(StaticDevice.objects.devices_for_user(user, confirmed=None).select_for_update())
    codes_removed = StaticToken.objects.filter(device__in=static).count()
    StaticDevice.objects.filter(pk__in=[d.pk for d in static]).delete()  # their tokens go with them
    audit_record(action="auth.otp_reset", actor=actor, actor_label=actor_label, ip_address=ip_address,
                 details={"user": user.get_username(), "user_id": user.pk, "devices_removed": count,
                          "recovery_codes_removed": codes_removed})
    return count

