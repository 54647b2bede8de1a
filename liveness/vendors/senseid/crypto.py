"""SenseID "Photo and Video Encryption" (vendor operation manual; vendor notes §3).

AES-256-GCM. The key is a 32-character string and the IV a 12-character string, each
used as its UTF-8 bytes (not hex-decoded). The 128-bit tag is appended to the
ciphertext, as Java's ``AES/GCM/NoPadding`` does, and the whole is Base64-encoded
(standard alphabet, padded). No associated data.

Factory defaults (the server's ``PARAM_DECRYPT_KEY`` / ``PARAM_DECRYPT_IV``); every
deployment should set its own.
"""
from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .spec import DEFAULT_AES_IV as DEFAULT_IV
from .spec import DEFAULT_AES_KEY as DEFAULT_KEY

TAG_BYTES = 16


class SenseidCryptoError(ValueError):
    """Wrong key/IV length, bad Base64, or a ciphertext that does not authenticate."""


def _key_iv(key: str, iv: str) -> tuple[bytes, bytes]:
    key_bytes = key.encode("utf-8")
    iv_bytes = iv.encode("utf-8")
    if len(key_bytes) != 32:
        raise SenseidCryptoError(f"the AES key must be 32 bytes as UTF-8 (a 32-character string), got {len(key_bytes)}")
    if len(iv_bytes) != 12:
        raise SenseidCryptoError(f"the AES IV must be 12 bytes as UTF-8 (a 12-character string), got {len(iv_bytes)}")
    return key_bytes, iv_bytes


def encrypt(plaintext: bytes, *, key: str = DEFAULT_KEY, iv: str = DEFAULT_IV) -> str:
    """Base64(ciphertext || 16-byte tag)."""
    key_bytes, iv_bytes = _key_iv(key, iv)
    return base64.b64encode(AESGCM(key_bytes).encrypt(iv_bytes, plaintext, None)).decode("ascii")


def decrypt(token: str | bytes, *, key: str = DEFAULT_KEY, iv: str = DEFAULT_IV) -> bytes:
    """Inverse of :func:`encrypt`; raises :class:`SenseidCryptoError`."""
    key_bytes, iv_bytes = _key_iv(key, iv)
    try:
        raw = base64.b64decode(token, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SenseidCryptoError(f"not Base64: {exc}") from None
    if len(raw) < TAG_BYTES:
        raise SenseidCryptoError("shorter than the 16-byte GCM tag")
    try:
        return AESGCM(key_bytes).decrypt(iv_bytes, raw, None)
    except InvalidTag:
        raise SenseidCryptoError("the GCM tag does not verify (wrong key or IV, or damaged data)") from None
