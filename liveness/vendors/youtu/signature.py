"""The YouTu legacy "multi-use signature" (多次有效签名) put in the Authorization header.

As Tencent documents it for the ``recognition.image.myqcloud.com`` products
(docs/vendor-notes §1)::

    original  = "a=<appid>&b=<bucket>&k=<secret_id>&e=<expiry>&t=<now>&r=<rand>&f="
    signature = Base64( HMAC-SHA1(secret_key, original) [20 raw bytes] + original )

``e`` and ``t`` are Unix seconds (``e > t``, at most three months ahead), ``r`` a random
unsigned integer of at most 10 digits, the bucket may be empty and ``f`` (the file id)
is empty for a multi-use signature.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from .spec import MAX_SIGNATURE_TTL_SECONDS as MAX_TTL_SECONDS  # "three months"


def original_string(*, appid: str, bucket: str, secret_id: str, expires: int, now: int, rand: int) -> str:
    """The plain text that is signed, fields in the documented order."""
    if not 0 <= rand <= 9_999_999_999:
        raise ValueError("r must be an unsigned integer of at most 10 digits")
    if expires <= now:
        raise ValueError("e must be later than t")
    return f"a={appid}&b={bucket}&k={secret_id}&e={expires}&t={now}&r={rand}&f="


def sign_original(original: str, secret_key: str) -> str:
    """Base64(HMAC-SHA1(secret_key, original) + original)."""
    raw = original.encode("utf-8")
    digest = hmac.new(secret_key.encode("utf-8"), raw, hashlib.sha1).digest()
    return base64.b64encode(digest + raw).decode("ascii")


def multi_use_signature(
    *,
    appid: str,
    secret_id: str,
    secret_key: str,
    bucket: str = "",
    ttl: int = 3600,
    now: int | None = None,
    rand: int | None = None,
) -> str:
    """A fresh Authorization value valid for ``ttl`` seconds (capped at three months)."""
    if not (appid and secret_id and secret_key):
        raise ValueError("appid, secret_id and secret_key are all required to sign")
    ttl = max(1, min(int(ttl), MAX_TTL_SECONDS))
    now = int(time.time()) if now is None else int(now)
    rand = secrets.randbelow(10**10) if rand is None else int(rand)
    original = original_string(
        appid=str(appid), bucket=bucket or "", secret_id=secret_id, expires=now + ttl, now=now, rand=rand
    )
    return sign_original(original, secret_key)
