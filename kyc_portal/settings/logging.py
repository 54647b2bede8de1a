"""Logging: one console handler; every line has capture-link tokens and API keys cut out
(liveness/web/log_redaction.py) and carries the request, case, check and partner ids known where
it was logged (liveness/ops/context.py). ``LOG_FORMAT=json`` writes one JSON object a line
(python-json-logger), the default in production; ``plain`` is for reading a terminal."""
from __future__ import annotations

from .base import PRODUCTION
from .env import choice

LOG_LEVEL = choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
                   doc="the root logger's level")
LOG_FORMAT = choice("LOG_FORMAT", "json" if PRODUCTION else "plain", ("json", "plain"),
                    doc="json: one JSON object a line with request_id, case_id, check_id, partner_id "
                        "(default in production); plain: text for a terminal")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "liveness.ops.logging.JsonLines",
                 "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(case_id)s %(check_id)s "
                           "%(partner_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    # Capture-link tokens and API keys are cut out of every line (django.request logs the path of each 4xx);
    # the ids come from liveness.ops.context.
    "filters": {"redact_secrets": {"()": "liveness.web.log_redaction.RedactSecrets"},
                "context": {"()": "liveness.ops.context.ContextFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["redact_secrets", "context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's default handlers (its DEBUG console and runserver's access log) would print the same lines
    # again, tokens and all: its loggers hand everything to the redacting root handler instead.
    "loggers": {name: {"handlers": [], "propagate": True} for name in ("django", "django.server")},
}
