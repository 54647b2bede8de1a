"""The YouTu legacy multi-use signature, checked as the vendor checks it (seeds 000/002/004).

Accepted accounts come from ``settings.KYC_PROVIDERS["youtu_legacy"]`` (``appid``, ``secret_id``,
``secret_key``, ``bucket``, plus any ``"sandbox_accounts"``), read on every request; when those are
blank the built-in :data:`DEFAULT_ACCOUNT` is accepted. Used by :mod:`.youtu`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings

from liveness.vendors.youtu.spec import MAX_SIGNATURE_TTL_SECONDS
from liveness.vendors.youtu.spec import SPEC as YOUTU_SPEC

MAX_SIGNATURE_TTL = MAX_SIGNATURE_TTL_SECONDS
CLOCK_SKEW = 300  # seconds a signature's t may lie in the future

#: Accepted when settings carry no YouTu credentials (a demo with no configuration).
DEFAULT_ACCOUNT = {
    "appid": "1000001",
    "secret_id": "AKIDsandboxYoutuLegacy000000000000",
    "secret_key": "sandboxYoutuLegacySecretKey00000",
    "bucket": "",
}


@dataclass(frozen=True)
class Account:
    appid: str
    secret_id: str
    secret_key: str
    bucket: str = ""


def youtu_settings() -> dict:
    """The portal's own YouTu settings, read per request so ``override_settings`` changes both sides."""
    return dict(settings.KYC_PROVIDERS.get(YOUTU_SPEC.name, {}))


def accounts() -> list[Account]:
    cfg = youtu_settings()
    found: list[Account] = []
    candidates = [cfg, *(cfg.get("sandbox_accounts") or [])]
    for item in candidates:
        if item.get("appid") and item.get("secret_id") and item.get("secret_key"):
            found.append(
                Account(str(item["appid"]), str(item["secret_id"]), str(item["secret_key"]), str(item.get("bucket") or ""))
            )
    if not found:
        found.append(Account(**DEFAULT_ACCOUNT))
    return found


@dataclass
class SignatureCheck:
    code: int
    detail: str = ""
    appid: str = ""
    bucket: str = ""
    secret_id: str = ""


_SIGNATURE_FIELDS_REQUIRED = ("a", "k", "e", "t", "r", "f")
_SIGNATURE_FIELDS_KNOWN = {"a", "b", "k", "e", "t", "r", "f", "u"}


def verify_authorization(value: str, *, now: float | None = None) -> SignatureCheck:
    """Check a multi-use signature; ``code`` 0 means valid.

    Codes (seed tables): 4 empty, 5 malformed (not Base64, no HMAC, missing or bad
    fields, e not after t, t in the future, e more than three months ahead), 10 unknown
    appid, 11 unknown secret_id, 12 secret_id belongs to another appid, 14 HMAC does not
    verify, 9 expired (e <= now), 16 a non-empty bucket that is not the account's (an account
    without a bucket has none). The body's appid is
    compared by the caller (code 6). Older SDKs' extra ``u=`` field and a missing ``b=``
    are tolerated.
    """
    now = time.time() if now is None else now
    value = (value or "").strip()
    if not value:
        return SignatureCheck(4, "Authorization header is missing or empty")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return SignatureCheck(5, "Authorization is not Base64")
    if len(raw) <= 20:
        return SignatureCheck(5, "Authorization is too short to hold HMAC-SHA1 + original")
    digest, original_bytes = raw[:20], raw[20:]
    try:
        original = original_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return SignatureCheck(5, "signed text is not UTF-8")
    fields: dict[str, str] = {}
    for item in original.split("&"):
        key, sep, val = item.partition("=")
        if not sep or key not in _SIGNATURE_FIELDS_KNOWN or key in fields:
            return SignatureCheck(5, f"unexpected item {item!r} in the signed text")
        fields[key] = val
    missing = [k for k in _SIGNATURE_FIELDS_REQUIRED if k not in fields]
    if missing:
        return SignatureCheck(5, f"signed text lacks {', '.join(missing)}")
    appid, secret_id, bucket = fields["a"], fields["k"], fields.get("b", "")
    check = SignatureCheck(0, appid=appid, bucket=bucket, secret_id=secret_id)
    if not fields["e"].isdigit() or not fields["t"].isdigit():
        return _with(check, 5, "e and t must be Unix seconds")
    if not fields["r"].isdigit() or len(fields["r"]) > 10:
        return _with(check, 5, "r must be an unsigned integer of at most 10 digits")
    if fields["f"]:
        return _with(check, 5, "f must be empty in a multi-use signature")
    expires, issued = int(fields["e"]), int(fields["t"])
    known = accounts()
    by_appid = [acc for acc in known if acc.appid == appid]
    if not by_appid:
        return _with(check, 10, f"appid {appid!r} does not exist")
    by_secret = [acc for acc in known if acc.secret_id == secret_id]
    if not by_secret:
        return _with(check, 11, "secret_id does not exist")
    account = next((acc for acc in by_appid if acc.secret_id == secret_id), None)
    if account is None:
        return _with(check, 12, "secret_id belongs to another appid")
    expected = hmac.new(account.secret_key.encode("utf-8"), original_bytes, hashlib.sha1).digest()
    if not hmac.compare_digest(expected, digest):
        return _with(check, 14, "HMAC-SHA1 does not verify with this secret_id's key")
    if expires <= issued:
        return _with(check, 5, "e must be later than t")
    if issued > now + CLOCK_SKEW:
        return _with(check, 5, "t lies in the future")
    if expires <= now:
        return _with(check, 9, "signature expired")
    if expires > now + MAX_SIGNATURE_TTL + CLOCK_SKEW:
        return _with(check, 5, "e is more than three months ahead")
    if bucket and bucket != account.bucket:  # an empty b= is allowed (the bucket may be empty)
        return _with(check, 16, f"bucket {bucket!r} does not exist for this appid")
    return check


def _with(check: SignatureCheck, code: int, detail: str) -> SignatureCheck:
    check.code, check.detail = code, detail
    return check
