"""The one refusal of uploaded media: a stable ``code``, a message for the person, a 4xx status.

Shared by ``liveness.media.files`` (images, storage) and ``liveness.media.video`` (videos).
"""
from __future__ import annotations

from liveness.web.errors import UserFacingError


class MediaRejected(UserFacingError):
    """An upload that cannot be used (bad type, size, corrupt...)."""


def sizes_text(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` (bytes) as people read them, in the same binary unit: MiB for limits
    of 1 MiB and more (``8 * 1024 * 1024`` is "8 MiB", not "8 MB"), else KiB, else bytes.

    One decimal at most; the limit is rounded down and the size up, so a refused size never
    reads as equal to (or under) its limit: 8 MiB + 1 byte is "8.1 MiB" against "8 MiB".
    """
    if limit >= 1024 * 1024:
        unit, name = 1024 * 1024, "MiB"
    elif limit >= 1024:
        unit, name = 1024, "KiB"
    else:
        unit, name = 1, "bytes"

    def tenths(n: int, *, up: bool) -> str:
        t = -(-n * 10 // unit) if up else n * 10 // unit
        return f"{t // 10} {name}" if t % 10 == 0 else f"{t // 10}.{t % 10} {name}"

    return tenths(size, up=True), tenths(limit, up=False)


def too_large(what: str, size: int, limit: int) -> MediaRejected:
    size_text, limit_text = sizes_text(size, limit)
    return MediaRejected("too_large", f"The {what} is {size_text}; the limit is {limit_text}.", status=413)
