"""Biometric media: where it is stored (file system or S3), the keys that seal it, how long it stays.

Media is encrypted before it reaches storage and is never under a public URL: there is
deliberately no MEDIA_URL route (liveness/media.py).
"""
from __future__ import annotations

import base64
import binascii
from pathlib import Path

from .base import PRODUCTION, VAR_DIR
from .env import choice, fail, integer, integer_or_off, number, peek, require, string

MEDIA_ROOT = Path(string("MEDIA_ROOT", str(VAR_DIR / "private-media"), allowed="a folder",
                         doc="where the file-system backend writes encrypted media"))
STORAGES = {
    "default": {"BACKEND": string(
        "MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage", allowed="a storage class path",
        doc="`storages.backends.s3.S3Storage` for S3-compatible object storage (docs/deploy.md)")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# S3-compatible object storage (AWS S3, MinIO, Ceph RGW...) through django-storages, for web and
# worker machines that share no disk (docs/deploy.md). What reaches the bucket is already
# AES-GCM-sealed; objects are never served from the bucket (no public ACL, no signed URLs: media
# leaves only through the audited views), so the bucket stays private. Credentials are not
# settings: boto3's own chain finds them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE,
# an instance or pod role).
S3_MEDIA_BACKENDS = {"storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage"}
_S3 = STORAGES["default"]["BACKEND"] in S3_MEDIA_BACKENDS
_bucket = string("MEDIA_S3_BUCKET", "", allowed="a bucket name", doc="required with the S3 backend")
_endpoint = string("MEDIA_S3_ENDPOINT_URL", "", allowed="a URL (empty: AWS itself)",
                   doc="MinIO / Ceph RGW endpoint, e.g. `https://minio.internal:9000`")
_region = string("MEDIA_S3_REGION", "", allowed="a region name", doc="the bucket's region")
_prefix = string("MEDIA_S3_PREFIX", "", allowed="a key prefix", doc="key prefix inside the bucket")
_addressing = choice("MEDIA_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual"),
                     doc="`path` for MinIO and Ceph")
_s3_timeout = number("MEDIA_S3_TIMEOUT", 10.0, low=0, low_exclusive=True, unit="seconds",
                     doc="connect and read timeout of each S3 request (3 tries)")
_aws_key_id_set = bool(string("AWS_ACCESS_KEY_ID", "", allowed="set with AWS_SECRET_ACCESS_KEY, or neither",
                              doc="S3 credentials (boto3 reads them itself; unset: its chain, e.g. an instance role)"))
_aws_secret_set = bool(string("AWS_SECRET_ACCESS_KEY", "", allowed="set with AWS_ACCESS_KEY_ID, or neither",
                              doc="S3 credentials, see AWS_ACCESS_KEY_ID"))
if _S3:
    from botocore.config import Config as _BotoConfig

    require(bool(_bucket), "MEDIA_S3_BUCKET must be set when MEDIA_STORAGE_BACKEND is the S3 backend")
    require(_aws_key_id_set == _aws_secret_set,
            "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (instance role)")
    STORAGES["default"]["OPTIONS"] = {
        "bucket_name": _bucket,
        "endpoint_url": _endpoint or None,  # None: AWS itself
        "region_name": _region or None,
        "location": _prefix.strip("/"),  # key prefix inside the bucket
        "default_acl": None,  # no ACL header: objects stay private to the bucket owner
        "querystring_auth": False,  # no presigned URLs are ever handed out
        "file_overwrite": True,  # names carry the blob's UUID; skips a HEAD request per upload
        "client_config": _BotoConfig(
            signature_version="s3v4", s3={"addressing_style": _addressing},
            connect_timeout=_s3_timeout, read_timeout=_s3_timeout,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    }


def media_keys(raw: str) -> dict[str, bytes]:
    """``MEDIA_ENCRYPTION_KEYS=kid1:base64key,kid2:base64key``; the first is used for new files."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        kid, sep, b64 = item.partition(":")
        if not sep or not kid:
            fail("MEDIA_ENCRYPTION_KEYS entries must look like 'keyid:base64key'")
        try:
            key = base64.b64decode(b64, validate=True)
        except binascii.Error:
            fail(f"MEDIA_ENCRYPTION_KEYS key {kid!r} is not valid base64")
        if len(key) != 32:
            fail(f"MEDIA_ENCRYPTION_KEYS key {kid!r} must be 32 bytes (AES-256)")
        keys[kid] = key
    return keys


MEDIA_ENCRYPTION_KEYS = media_keys(string(
    "MEDIA_ENCRYPTION_KEYS", "", allowed="kid:base64(32 bytes)[,kid2:...]; required when KYC_ENV=production",
    doc="the first key seals new media; the others still open older files (docs/deploy.md, key rotation)"))
if not MEDIA_ENCRYPTION_KEYS:
    require(not PRODUCTION, "MEDIA_ENCRYPTION_KEYS must be set when KYC_ENV=production")
    # Development only: a fixed, obviously-not-secret key so a dev database stays readable.
    MEDIA_ENCRYPTION_KEYS = {"dev": b"dev-only-media-key-do-not-use!!!"}
MEDIA_ACTIVE_KEY_ID = next(iter(MEDIA_ENCRYPTION_KEYS))

# --- retention of biometric media -----------------------------------------------------
# Days after a case reached the state before its media is purged (liveness/media/retention.py):
# KYC_RETENTION_DAYS_<STATE>=N, N >= 1, or 0 / "off" to keep that state's media. Cases in
# processing or manual review are never purged; naming them is an error.
_RETENTION_DEFAULTS = {"approved": 90, "rejected": 90, "retake_requested": 30, "awaiting_submission": 30}
KYC_RETENTION_DAYS: dict[str, int] = {}
for _state, _default in _RETENTION_DEFAULTS.items():
    _days = integer_or_off(f"KYC_RETENTION_DAYS_{_state.upper()}", _default, low=1, high=36500, unit="days",
                           doc=f"days after a case became {_state.replace('_', ' ')} before its media is purged")
    if _days is not None:
        KYC_RETENTION_DAYS[_state] = _days
for _name in ("KYC_RETENTION_DAYS_PROCESSING", "KYC_RETENTION_DAYS_MANUAL_REVIEW"):
    require(not peek(_name), f"{_name}: media of cases still being worked on is never purged")
# A media file no row names is deleted once it is this many hours old (liveness/media/orphans.py).
# A file whose transaction has not committed yet looks the same, so this must outlast any upload.
KYC_ORPHAN_GRACE_HOURS = integer("KYC_ORPHAN_GRACE_HOURS", 24, low=1, high=24 * 365, unit="hours",
                                 doc="age before a media file no row names is deleted; must outlast any upload")
