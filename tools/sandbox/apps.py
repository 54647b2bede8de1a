"""The vendor sandbox as a Django app, installed only outside production.

Installing it does one thing: it makes ``manage.py vendor_sandbox`` available. The sandbox has
no models, URLs or templates; ``kyc_portal/settings.py`` adds it to ``INSTALLED_APPS`` only when
``KYC_ENV`` is not ``production``, so a production process cannot start the emulators.
"""
from __future__ import annotations

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "tools.sandbox"
    label = "vendor_sandbox"
    verbose_name = "Vendor sandbox (development only)"
