"""Secrets that travel in URL paths are cut out of log lines.

A capture link (``/c/<signed token>/...``) lets whoever holds it submit media for one case,
so the token is a credential: it must not land in log files, which are kept longer and read
by more people than the database. Django logs the path of every 4xx/5xx answer
(``django.request``: "Not Found: /c/<token>/status/") and gunicorn's access log names every
path; both go through :func:`redact` (the logging filter below, and deploy/gunicorn.conf.py).
Query strings are never logged by our access-log format; API keys travel in a header.

No Django import here: gunicorn's master process uses it before any app is loaded.
"""
from __future__ import annotations

import logging
import re

_CAPTURE_TOKEN = re.compile(r"/c/[^/\s?#\"']+")


def redact(text: str) -> str:
    """``/c/<token>/upload/`` -> ``/c/-/upload/`` wherever it appears in ``text``."""
    return _CAPTURE_TOKEN.sub("/c/-", text) if "/c/" in text else text


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
