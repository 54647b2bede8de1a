"""Partner API keys: ``kyc_<live|test>_<prefix>_<secret>``, stored as a SHA-256 of the secret only,
revocable, and an invalid-key counter per client address."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from liveness.cases.audit import audit_record
from liveness.web.attempt_window import attempt_count, attempts_so_far

from .models import Partner, PartnerApiKey

logger = logging.getLogger(__name__)

KEY_PREFIX_BYTES = 6  # 12 hex characters: public, only has to be unique
KEY_SECRET_BYTES = 32  # 256 random bits
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write a row on every request


def actor_label_for(key: PartnerApiKey) -> str:
    return f"partner:{key.partner_id}"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def key_create(*, partner: Partner, is_test: bool = False, name: str = "") -> tuple[PartnerApiKey, str]:
    """Create a key and return it with its full text, which is never stored and cannot be shown again."""
    prefix = secrets.token_hex(KEY_PREFIX_BYTES)
    secret = secrets.token_urlsafe(KEY_SECRET_BYTES)
    key = PartnerApiKey.objects.create(partner=partner, prefix=prefix, secret_sha256=_sha256(secret),
                                       is_test=is_test, name=name)
    audit_record(action="api_key.created", actor_label="system:cli",
                          details={"partner": partner.pk, "prefix": key.display_prefix, "test": is_test})
    return key, f"kyc_{key.mode}_{prefix}_{secret}"


def key_parse(raw: str) -> tuple[str, str, str] | None:
    """``kyc_<live|test>_<prefix>_<secret>`` → (mode, prefix, secret), or None when malformed."""
    parts = raw.split("_", 3)
    if len(parts) != 4 or parts[0] != "kyc" or parts[1] not in ("live", "test") or not parts[2] or not parts[3]:
        return None
    return parts[1], parts[2], parts[3]


def key_authenticate(*, raw: str) -> PartnerApiKey | None:
    """The active key this text names, or None (unknown, wrong secret, revoked, mode mismatch, partner off)."""
    parsed = key_parse(raw)
    if parsed is None:
        return None
    mode, prefix, secret = parsed
    key = PartnerApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_sha256, _sha256(secret)):
        return None
    if key.revoked_at is not None or key.mode != mode or not key.partner.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        PartnerApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def key_failures_blocked(*, address: str) -> int | None:
    """Seconds until ``address`` may try API keys again, or None when it is not blocked."""
    so_far = attempts_so_far(name=f"api:key-failures:{address}", window=settings.KYC_API_KEY_FAILURE_WINDOW)
    return so_far.retry_after if so_far.count >= settings.KYC_API_KEY_FAILURE_LIMIT else None


def key_failure_record(*, address: str) -> None:
    """Count one invalid key from ``address`` in its window (fixed, from its first failure, in the
    shared cache). Reaching the limit is audited once per window (``api.key_guessing_blocked``)."""
    window = settings.KYC_API_KEY_FAILURE_WINDOW
    count = attempt_count(name=f"api:key-failures:{address}", window=window).count
    if count == settings.KYC_API_KEY_FAILURE_LIMIT:
        logger.warning("partner API: %s sent %s invalid API keys; refused for %s s", address, count, window)
        audit_record(action="api.key_guessing_blocked", actor_label=f"address:{address}"[:100],
                              ip_address=address if address != "unknown" else None,
                              details={"failures": count, "window_s": window})


@transaction.atomic
def key_revoke(*, key: PartnerApiKey, actor_label: str, reason: str = "") -> PartnerApiKey:
    """Refuse the key from now on (``key_authenticate`` reads the row on every request); final
    and audited once: revoking a revoked key changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(action="api_key.revoked", actor_label=actor_label,
                              details={"partner": key.partner_id, "prefix": key.display_prefix, "reason": reason})
    return key
