"""The vendors' "url" request forms: the sandbox downloads only from loopback (its own fixtures).

Shared by every vendor emulator that accepts an image or video by URL (YouTu ``url``, Tencent Cloud
``Url`` / ``ImageUrl`` / ``VideoUrl``); each maps :class:`FetchError` to its vendor's own code.
"""
from __future__ import annotations

import ipaddress
import urllib.error
import urllib.parse
import urllib.request

FETCH_TIMEOUT_S = 5.0
MAX_FETCH_BYTES = 64 * 1024 * 1024  # the most any emulator downloads (the server's own body limit)


class FetchError(Exception):
    """The URL cannot be downloaded here; ``detail`` says why (for the vendor's message)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def fetch_url(url: str, *, max_bytes: int) -> bytes:
    """The body at ``url`` (http(s), loopback only, at most ``max_bytes``, not empty)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https"):
        raise FetchError("url must be http(s)")
    if not _loopback(parsed.hostname):
        raise FetchError("the sandbox downloads only from 127.0.0.1/localhost")
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as resp:  # noqa: S310 - loopback only
            data = resp.read(max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise FetchError(f"download failed: {exc}") from None
    if len(data) > max_bytes:
        raise FetchError(f"downloaded file is larger than {max_bytes // (1024 * 1024)} MB")
    if not data:
        raise FetchError("downloaded file is empty")
    return data
