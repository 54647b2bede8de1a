"""JSON log lines (python-json-logger) that carry only what we chose.

python-json-logger adds every ``extra`` attribute of a record to the line; Django's
``django.request`` passes the request object itself, whose text is the full path with its query
string and capture-link token. :class:`JsonLines` keeps the fields of its format and a few known
harmless extras, and passes every text value (the message, a traceback) through
``liveness.web.log_redaction.redact`` as the last step.
"""
from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from liveness.web.log_redaction import redact

#: Extras a line may keep besides its format's fields (Django's answer status on django.request lines).
SAFE_EXTRAS = frozenset({"status_code"})


class JsonLines(JsonFormatter):
    """A JSON formatter with a whitelist of fields and redaction of every text value."""

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        wanted = {self._get_rename(name) for name in self._required_fields} | SAFE_EXTRAS | {
            "exc_info", "stack_info", "message"}
        for key in list(log_data):
            if key not in wanted:
                del log_data[key]

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: redact(value) if isinstance(value, str) else value for key, value in log_data.items()}
