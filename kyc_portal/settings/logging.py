"""Logging: one console handler whose lines have capture-link tokens cut out."""
from __future__ import annotations

from .env import choice

LOG_LEVEL = choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
                   doc="the root logger's level")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Capture-link tokens are cut out of every line (django.request logs the path of each 4xx).
    "filters": {"redact_secrets": {"()": "liveness.web.log_redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's default handlers (its DEBUG console and runserver's access log) would print the same lines
    # again, tokens and all: its loggers hand everything to the redacting root handler instead.
    "loggers": {name: {"handlers": [], "propagate": True} for name in ("django", "django.server")},
}
