"""Where webhooks may be sent: public addresses only (no SSRF into the portal's own network).

A webhook URL is typed by an operator from what a partner sent, and the portal then POSTs to
it from inside the deployment, next to PostgreSQL, Redis and a cloud metadata service. So:

* at registration (:func:`webhook_url_check`): http(s) only (https only when
  ``KYC_WEBHOOK_REQUIRE_HTTPS``), no credentials in the URL, and the host must resolve, every
  address of it, to a public one;
* at every delivery (:func:`public_session`): the connection itself is checked after DNS and
  before a byte is sent. The socket's peer address must be public, so a name that resolved to a
  public address at registration and to 10.0.0.5 now (DNS rebinding) is refused too.

"Public" is :attr:`ipaddress.IPv4Address.is_global` (an IPv4 address embedded in an IPv6 one,
IPv4-mapped, IPv4-compatible, NAT64, 6to4 or Teredo, is judged as that IPv4 address): loopback,
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


#: NAT64 well-known prefix (RFC 6052): the last 32 bits are the IPv4 address the translator reaches.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
#: NAT64 local-use prefix (RFC 8215): the IPv4 address sits at a place the operator chose; refused whole.
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
#: IPv4-compatible IPv6 (deprecated, RFC 4291 2.5.5.1): ``::a.b.c.d``.
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and a host on the way may turn into an IPv4
    connection: IPv4-mapped (``::ffff:a.b.c.d``), IPv4-compatible (``::a.b.c.d``), NAT64
    (``64:ff9b::a.b.c.d``), 6to4 (``2002:AABB:CCDD::``) and Teredo (server and client)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1 (unspecified, loopback: judged as IPv6)
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip in NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    return found


def is_public(address: str) -> bool:
    """Whether ``address`` is on the internet: globally routable, not multicast, and for IPv6 every
    IPv4 address embedded in it (:func:`embedded_ipv4`) public too; NAT64 local-use is refused."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL_USE:
            return False
        embedded = embedded_ipv4(ip)
        if embedded:  # Teredo (2001::/32) is not global as IPv6 either: refused whatever it carries
            return (ip.is_global or ip.ipv4_mapped is not None) and all(
                v4.is_global and not v4.is_multicast for v4 in embedded)
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
