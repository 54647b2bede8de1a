"""One byte range of a body held in memory (RFC 9110, section 14): what a browser's video
player asks for to seek in a reviewer's video.

Only a single ``bytes=`` range is served. A header this does not understand, or one asking for
several ranges, is ignored and the whole body sent, as the RFC allows; a range that starts past
the end is refused (416). There is no ``If-Range`` handling: the media view sends no validator
(no ETag or Last-Modified), so a client cannot make one conditional.

A header with a number longer than :data:`MAX_DIGITS` is refused outright (:func:`range_refused`,
a 400 before the medium is read or the access audited): no stored body is that large, and
Python refuses to convert more than 4,300 digits (a ``ValueError``, once a 500). Only ASCII
digits count as digits (``"²".isdigit()`` is true, ``int("²")`` fails).
"""
from __future__ import annotations


import re

MAX_DIGITS = 18  # 10**18 bytes is an exabyte: longer numbers are not about any body of ours
_LONG_NUMBER = re.compile(rf"[0-9]{{{MAX_DIGITS + 1},}}")


class RangeNotSatisfiable(Exception):
    pass


def range_refused(header: str | None) -> bool:
    """True when ``header`` holds a number longer than MAX_DIGITS: the request is refused (400)."""
    return bool(header) and _LONG_NUMBER.search(header) is not None


def _number(text: str) -> bool:
    """ASCII digits only, at most MAX_DIGITS of them."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)``, inclusive, of the one range ``header`` asks for in a body of ``size``
    bytes; None to send the whole body; :class:`RangeNotSatisfiable` for a range past the end."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    first, dash, last = spec.strip().partition("-")
    if unit.strip().lower() != "bytes" or "," in spec or not dash:
        return None
    if not (_number(first) or first == "") or not (_number(last) or last == "") or first == last == "":
        return None
    if first == "":  # "bytes=-N": the last N bytes
        if int(last) == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        raise RangeNotSatisfiable
    return start, min(int(last), size - 1) if last else size - 1
