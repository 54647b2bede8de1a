"""Settings, read from the environment (and an optional ``.env`` file beside manage.py).

Every value that differs between a laptop, CI and production comes from the environment through
the typed readers of ``env.py``; a bad value stops the process at import time with a message that
names the variable, quotes the value and says what is allowed (``ImproperlyConfigured``), rather
than failing later in a request. ``KYC_ENV`` selects the defaults (``base.py``).

One module per area; this package composes them, in dependency order, into the one namespace
Django reads (``DJANGO_SETTINGS_MODULE=kyc_portal.settings``): every UPPER_CASE name of each area.
Every setting the code reads is declared here with its default (docs/settings.md lists them).
"""
from __future__ import annotations

from types import ModuleType

from .env import load_env_file

load_env_file()  # before any area reads a variable

from . import base, capture, database, logging, ops, partners, pipeline, security, staff, storage, vendors

_areas: tuple[ModuleType, ...] = (base, database, security, storage, capture, staff, vendors, pipeline, partners,
                                 logging, ops)


def _settings_of(area: ModuleType) -> dict[str, object]:
    return {name: value for name, value in vars(area).items() if name.isupper() and not name.startswith("_")}


for _area in _areas:
    globals().update(_settings_of(_area))
