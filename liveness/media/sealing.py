"""The one sealing envelope of stored media, and re-encryption under the active key.

A stored file is ``MAGIC | nonce(12) | AES-256-GCM(ciphertext+tag)`` with the blob id as
associated data, so a file copied onto another blob's row does not decrypt. The key id is on the
row; keys come from MEDIA_ENCRYPTION_KEYS (``seal`` / ``unseal``).

Re-encryption under the active key (``MEDIA_ACTIVE_KEY_ID``).

Rotation procedure (see SECURITY.md):

1. put the new key first in ``MEDIA_ENCRYPTION_KEYS`` and keep the old one after it;
   new uploads are sealed with the new key at once;
2. run ``python manage.py media_rotate_keys`` until it reports nothing left;
3. remove the old key from ``MEDIA_ENCRYPTION_KEYS``.

Each blob is handled on its own: the plaintext is decrypted with its current key and
checked against the stored SHA-256 and a *new* file is written under the active key and read
back, all before any lock is taken (storage may be slow); only then is the row switched to the
new file and key id, under a short row lock that also checks nobody changed the row meanwhile.
The old file is deleted after that commit. A crash at any point leaves the row pointing
at a file that decrypts with the key the row names; re-running continues where it
stopped (blobs already under the active key are not selected again), so the command is
resumable and idempotent.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liveness.media.models import MediaBlob

logger = logging.getLogger(__name__)

MAGIC = b"KYCM1"


def _cipher_for(key_id: str) -> AESGCM:
    try:
        return AESGCM(settings.MEDIA_ENCRYPTION_KEYS[key_id])
    except KeyError:
        raise RuntimeError(f"media key {key_id!r} is not in MEDIA_ENCRYPTION_KEYS") from None


def seal(blob_id, key_id: str, data: bytes) -> bytes:
    nonce = os.urandom(12)
    return MAGIC + nonce + _cipher_for(key_id).encrypt(nonce, data, str(blob_id).encode())


def unseal(blob_id, key_id: str, sealed: bytes) -> bytes:
    """The plaintext; raises if the file is not sealed, was altered, or belongs to another blob."""
    if not sealed.startswith(MAGIC):
        raise ValueError(f"media {blob_id} is not an encrypted media file")
    nonce, ciphertext = sealed[len(MAGIC): len(MAGIC) + 12], sealed[len(MAGIC) + 12:]
    return _cipher_for(key_id).decrypt(nonce, ciphertext, str(blob_id).encode())


@dataclass
class RotationReport:
    active_key_id: str
    rotated: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # blob id -> reason
    remaining: int = 0
    by_old_key: dict[str, int] = field(default_factory=dict)


def blobs_needing_rotation():
    """Live (not purged) blobs sealed with any key other than the active one."""
    return (MediaBlob.objects.filter(purged_at__isnull=True)
            .exclude(key_id=settings.MEDIA_ACTIVE_KEY_ID).order_by("created_at", "id"))


def _new_name(blob: MediaBlob, key_id: str) -> str:
    safe_kid = re.sub(r"[^A-Za-z0-9_-]", "_", key_id)[:40]
    return f"{timezone.now():%Y/%m}/{blob.id}.{safe_kid}.bin"


@transaction.atomic
def _row_switch(*, blob_id, old_name: str, old_key: str, new_name: str, new_key: str) -> bool:
    """Point the row at the new file, only if it still names the old one (one short UPDATE)."""
    return bool(MediaBlob.objects.filter(pk=blob_id, file=old_name, key_id=old_key, purged_at__isnull=True)
                .update(file=new_name, key_id=new_key))


def blob_rotate(blob_id) -> bool:
    """Re-encrypt one blob under the active key. True if it was rotated, False if nothing to do
    (already active, purged, or changed by someone else while the new file was being written)."""
    active = settings.MEDIA_ACTIVE_KEY_ID
    blob = MediaBlob.objects.filter(pk=blob_id).first()
    if blob is None or blob.purged_at is not None or blob.key_id == active:
        return False
    with default_storage.open(blob.file.name, "rb") as handle:
        plaintext = unseal(blob.id, blob.key_id, handle.read())  # raises if the key is missing or the file was altered
    if hashlib.sha256(plaintext).hexdigest() != blob.sha256:
        raise ValueError(f"media {blob.id}: plaintext does not match the stored SHA-256")
    new_name = default_storage.save(_new_name(blob, active), ContentFile(seal(blob.id, active, plaintext)))
    try:
        with default_storage.open(new_name, "rb") as handle:  # verify the new file before the row names it
            if unseal(blob.id, active, handle.read()) != plaintext:
                raise ValueError(f"media {blob.id}: re-encrypted file does not read back")
        old_name, old_key = blob.file.name, blob.key_id
        switched = _row_switch(blob_id=blob.pk, old_name=old_name, old_key=old_key, new_name=new_name, new_key=active)
    except BaseException:
        default_storage.delete(new_name)
        raise
    if not switched:  # rotated or purged by another run meanwhile: the new file is not needed
        default_storage.delete(new_name)
        return False
    # Committed: the row now names the new file. The old one can go.
    try:
        default_storage.delete(old_name)
    except OSError:
        logger.warning("media %s: rotated, but the old file %s could not be deleted", blob_id, old_name)
    logger.info("media %s: re-encrypted from key %s to %s", blob_id, old_key, active)
    return True


def media_rotate_keys(*, batch_size: int = 100, limit: int | None = None, dry_run: bool = False) -> RotationReport:
    """Rotate every live blob not under the active key, in batches ordered by age."""
    report = RotationReport(active_key_id=settings.MEDIA_ACTIVE_KEY_ID)
    for key_id in blobs_needing_rotation().values_list("key_id", flat=True):
        report.by_old_key[key_id] = report.by_old_key.get(key_id, 0) + 1
    if not dry_run:
        done = 0
        last_seen = None  # keyset pagination so failed blobs are not selected again in this run
        while limit is None or done < limit:
            qs = blobs_needing_rotation()
            if last_seen is not None:
                qs = qs.filter(created_at__gte=last_seen[0]).exclude(created_at=last_seen[0], id__lte=last_seen[1])
            batch = list(qs.values_list("id", "created_at")[:batch_size])
            if not batch:
                break
            for blob_id, created_at in batch:
                if limit is not None and done >= limit:
                    break
                last_seen = (created_at, blob_id)
                try:
                    if blob_rotate(blob_id):
                        report.rotated += 1
                except Exception as exc:  # one bad blob must not stop the others; it is reported
                    logger.exception("media %s: rotation failed", blob_id)
                    report.failed[str(blob_id)] = f"{type(exc).__name__}: {exc}"
                done += 1
    report.remaining = blobs_needing_rotation().count()
    return report
