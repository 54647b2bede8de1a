"""Secrets that travel in URL paths are cut out of log lines.

A capture link (``/c/<signed token>/...``) lets whoever holds it submit media for one case,
so the token is a credential: it must not land in log files, which are kept longer and read
by more people than the database. Django logs the path of every 4xx/5xx answer
(``django.request``: "Not Found: /c/<token>/status/") and gunicorn's access log names every
path; both go through :func:`redact` (the logging filter below, and deploy/gunicorn.conf.py).
Query strings are never logged by our access-log format; API keys travel in a header, and
should one be quoted in a message anyway (``kyc_live_<prefix>_<secret>``, or any ``Bearer``
credential), its secret is cut out too. Sentry events go through the same function
(liveness/ops/sentry.py).

No Django import here: gunicorn's master process uses it before any app is loaded.
"""
from __future__ import annotations

import logging
import re

_CAPTURE_TOKEN = re.compile(r"/c/[^/\s?#\"']+")
_API_KEY = re.compile(r"\b(kyc_(?:live|test)_[0-9a-f]+_)[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(?i)\b(Bearer\s+)[^\s\"',;]+")


def redact(text: str) -> str:
    """``/c/<token>/upload/`` -> ``/c/-/upload/``, ``kyc_live_<prefix>_<secret>`` ->
    ``kyc_live_<prefix>_-`` (the prefix is public) and ``Bearer <credential>`` -> ``Bearer -``,
    wherever they appear in ``text``."""
    if "/c/" in text:
        text = _CAPTURE_TOKEN.sub("/c/-", text)
    if "kyc_" in text:
        text = _API_KEY.sub(r"\1-", text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(r"\1-", text)
    return text


class RedactSecrets(logging.Filter):
    """A handler filter: formats the message once, redacted, and keeps the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's problem to report, not ours
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
