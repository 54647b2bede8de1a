"""Where webhooks may be sent: public addresses only (no SSRF into the portal's own network).

A webhook URL is typed by an operator from what a partner sent, and the portal then POSTs to
it from inside the deployment, next to PostgreSQL, Redis and a cloud metadata service. So:

* at registration (:func:`webhook_url_check`): http(s) only (https only when
  ``KYC_WEBHOOK_REQUIRE_HTTPS``), no credentials in the URL, and the host must resolve, every
  address of it, to a public one;
* at every delivery (:func:`public_session`): the connection itself is checked after DNS and
  before a byte is sent. The socket's peer address must be public, so a name that resolved to a
  public address at registration and to 10.0.0.5 now (DNS rebinding) is refused too.

"Public" is :attr:`ipaddress.IPv4Address.is_global` (IPv4-mapped IPv6 unwrapped): loopback,
private (RFC 1918, fc00::/7), link-local (169.254/16, the metadata services), carrier-grade
NAT, multicast, reserved and unspecified addresses are refused. ``KYC_WEBHOOK_ALLOW_PRIVATE``
lifts the address rule (default: on in development and tests, whose receivers listen on
127.0.0.1; off with ``KYC_ENV=production``).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from requests import Session
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class WebhookUrlRefused(ValueError):
    """The URL may not receive webhooks; the message says why, for the operator."""


class NonPublicAddress(OSError):
    """A delivery's connection reached an address that is not public (raised before sending).

    An ``OSError``, so urllib3 and requests report it as a connection error like any other."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _private_allowed() -> bool:
    return settings.KYC_WEBHOOK_ALLOW_PRIVATE


def webhook_url_check(url: str) -> str:
    """``url`` if webhooks may go there, else :class:`WebhookUrlRefused` naming the reason.
    Resolves the host (a registration is rare; a name that does not resolve is a typo)."""
    parts = urlsplit(url.strip())
    allowed = ("https",) if settings.KYC_WEBHOOK_REQUIRE_HTTPS else ("http", "https")
    if parts.scheme not in allowed:
        raise WebhookUrlRefused(f"the URL must start with {' or '.join(s + '://' for s in allowed)}")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("the URL must not contain a user name or password (deliveries are signed instead)")
    if not parts.hostname:
        raise WebhookUrlRefused("the URL has no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise WebhookUrlRefused("the URL's port is not a number from 1 to 65535") from None
    if _private_allowed():
        return url.strip()
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookUrlRefused(f"the host {parts.hostname!r} does not resolve ({exc.strerror})") from None
    refused = sorted({info[4][0] for info in infos if not is_public(info[4][0])})
    if refused:
        raise WebhookUrlRefused(f"the host {parts.hostname!r} resolves to an address that is not public "
                                f"({', '.join(refused)}); webhooks go only to the internet")
    return url.strip()


class _PublicPeerOnly:
    """Check the connected socket's peer before anything is sent over it."""

    def _new_conn(self):
        sock = super()._new_conn()
        if not _private_allowed():
            peer = sock.getpeername()[0]
            if not is_public(peer):
                sock.close()
                raise NonPublicAddress(f"{self.host} is at {peer}, which is not a public address; nothing was sent")
        return sock


class _PublicHTTPConnection(_PublicPeerOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicPeerOnly, HTTPSConnection):
    pass


class _PublicHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPConnectionPool,
                                                   "https": _PublicHTTPSConnectionPool}


def public_session() -> Session:
    """A requests session whose connections reach public addresses only (no proxies from the
    environment: a proxy would be the peer, and would then reach anything)."""
    session = Session()
    session.trust_env = False
    adapter = _PublicOnlyAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
