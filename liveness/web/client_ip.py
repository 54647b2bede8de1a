"""The client's IP address, as far as it can be trusted.

Behind ``KYC_TRUSTED_PROXY_COUNT`` reverse proxies, each of which appends the address it
received the request from to ``X-Forwarded-For``, the client is the entry that many places
from the right: everything to its left was written by the client itself and can be forged.
With 0 (the default: the portal is reached directly) the header is ignored and
``REMOTE_ADDR`` is the client. Used by django-axes (``AXES_CLIENT_IP_CALLABLE``) to count
failed sign-ins per username and address, and by the sign-in audit events.

A count set higher than the real number of proxies lets a client pick its own address (and
so dodge the lock-out); set it lower and every client shares the proxy's address.
"""
from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = settings.KYC_TRUSTED_PROXY_COUNT
    if count:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        # Fewer entries than proxies: the request did not come through all of them; trust nothing in it.
        if len(hops) >= count:
            forwarded = _valid(hops[-count])
            if forwarded:
                return forwarded
    return remote
