"""Idempotency keys of the partner API: the first request with a key owns it, a repeat gets the
stored answer, a different request with the same key is refused."""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import IdempotencyRecord, Partner

IDEMPOTENCY_TTL = timedelta(hours=24)


class IdempotencyState(enum.Enum):
    NEW = "new"  # this request owns the key: process it, then complete or abandon the record
    REPLAY = "replay"  # answered before: send the stored response
    MISMATCH = "mismatch"  # same key, different request: 422
    IN_PROGRESS = "in_progress"  # the first request with this key has not finished: 409


@dataclass(frozen=True)
class IdempotencyClaim:
    state: IdempotencyState
    record: IdempotencyRecord


def request_fingerprint(*, method: str, path: str, body_digest: str) -> str:
    return hashlib.sha256(f"{method.upper()}\n{path}\n{body_digest}".encode()).hexdigest()


def idempotency_claim(*, partner: Partner, key: str, method: str, path: str, fingerprint: str) -> IdempotencyClaim:
    """Own the key (insert wins) or find what happened to it.

    The insert commits on its own, before the request is processed, so a concurrent
    request with the same key hits the unique constraint and sees it in progress.
    An expired record is replaced.
    """
    now = timezone.now()
    for _ in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    partner=partner, key=key, method=method.upper(), path=path, fingerprint=fingerprint,
                    created_at=now, expires_at=now + IDEMPOTENCY_TTL)
            return IdempotencyClaim(IdempotencyState.NEW, record)
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(partner=partner, key=key).first()
            if record is None:  # expired and deleted by a concurrent request: try the insert again
                continue
            if record.expires_at <= now:
                IdempotencyRecord.objects.filter(pk=record.pk, expires_at__lte=now).delete()
                continue
            if record.fingerprint != fingerprint:
                return IdempotencyClaim(IdempotencyState.MISMATCH, record)
            if record.response_status is None:
                return IdempotencyClaim(IdempotencyState.IN_PROGRESS, record)
            return IdempotencyClaim(IdempotencyState.REPLAY, record)
    raise RuntimeError("idempotency key kept changing under us")


def idempotency_complete(*, record: IdempotencyRecord, status: int, body) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=status, response_body=body)


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    """The request failed on our side (5xx): free the key so the partner's retry is processed."""
    IdempotencyRecord.objects.filter(pk=record.pk, response_status__isnull=True).delete()


def idempotency_purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
