"""The audit trail: one append-only row per thing someone did or saw.

A module of its own (not ``cases.services``) because every app records audit events, and
importing the case services for that would tie media retention or staff sign-in to the pipeline.
"""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from .models import AuditEvent, Case


def audit_record(
    *, action: str, actor_label: str, actor: AbstractBaseUser | None = None, case: Case | None = None,
    details: dict | None = None, ip_address: str | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action, actor=actor, actor_label=actor_label, case=case, details=details or {},
        ip_address=ip_address,
    )


