"""The address guard: a source may only reach globally routable addresses.

The rule is an allow rule, not a deny list: an address passes only when Python's
``ipaddress`` calls it global, it is not carrier-grade NAT space, and any IPv4 address embedded
in it (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64) passes too. The same check runs twice
for a request: before it is sent (:func:`check_host`, a clear error and no connection) and when
the connection is opened (:func:`checked_addresses`, used by the transport, which then connects
to exactly the address it checked).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from ._errors import PermanentSourceError, RetryableSourceError, SourceError

if TYPE_CHECKING:
    from ._http import HttpPolicy

__all__ = [
    "Resolver",
    "check_host",
    "checked_addresses",
    "is_exempt",
    "refusal",
    "system_resolver",
    "with_url",
]

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> IP addresses``; raises ``OSError`` when the name does not resolve."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# is_global already excludes 100.64.0.0/10 on current Pythons; it is listed so that the rule
# does not depend on the Python version (cloud metadata services live in that range).
_CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with ``socket.getaddrinfo``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses a tunnel or translator would forward to."""
    embedded: list[ipaddress.IPv4Address] = []
    if ip.sixtofour is not None:
        embedded.append(ip.sixtofour)
    if ip.teredo is not None:
        embedded.extend(ip.teredo)
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return embedded


def refusal(address: str) -> str | None:
    """Why ``address`` may not be reached, or None when it is globally routable."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CARRIER_GRADE_NAT:
        return f"{ip} is carrier-grade NAT space"
    # is_global alone lets multicast (e.g. 224.0.0.1) through on Python 3.11.
    if not ip.is_global or ip.is_multicast or ip.is_reserved:
        return f"{ip} is not a globally routable address"
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(ip):
            if refusal(str(inner)) is not None:
                return f"{ip} embeds the non-global IPv4 address {inner}"
    return None


def is_exempt(host: str, port: int, policy: HttpPolicy) -> bool:
    """Whether the policy lets ``host`` through without the address check."""
    if policy.allow_private:
        return True
    allowed = policy.allowed_hosts
    return host in allowed or f"{host}:{port}" in allowed or f"[{host}]:{port}" in allowed


def checked_addresses(host: str, port: int, policy: HttpPolicy, resolver: Resolver) -> list[str]:
    """The addresses of ``host``, every one of them allowed by the policy.

    An IP literal is not looked up. An exempt host is resolved but not checked. Raises
    ``PermanentSourceError`` (refused address) or ``RetryableSourceError`` (no resolution),
    without a URL: the caller knows it.
    """
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = list(resolver(host, port))
        except (OSError, UnicodeError) as error:
            raise RetryableSourceError(f"cannot resolve host {host!r}: {error}") from None
    if not addresses:
        raise RetryableSourceError(f"host {host!r} resolved to no address")
    if is_exempt(host, port, policy):
        return addresses
    # Any refused address refuses the host: a name that also points inside is not trusted.
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise PermanentSourceError(f"refusing host {host!r}: {reason}")
    return addresses


def _default_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def check_host(url: httpx.URL, policy: HttpPolicy, resolver: Resolver) -> list[str]:
    """Refuse ``url`` unless it is http(s) and its host resolves only to allowed addresses.

    Returns the addresses checked. Raises ``PermanentSourceError`` for a refused or malformed
    URL and ``RetryableSourceError`` when the name does not resolve; both carry ``url``.
    """
    if url.scheme not in ("http", "https"):
        raise PermanentSourceError(f"unsupported URL scheme {url.scheme!r}", url=str(url))
    if not url.host:
        raise PermanentSourceError("URL has no host", url=str(url))
    try:
        return checked_addresses(url.host, _default_port(url), policy, resolver)
    except SourceError as error:
        raise with_url(error, str(url)) from None


def with_url(error: SourceError, url: str) -> SourceError:
    """``error`` again, naming ``url`` (errors raised below the fetcher do not know it)."""
    if isinstance(error, RetryableSourceError):
        return RetryableSourceError(error.reason, url=url, retry_after=error.retry_after)
    if isinstance(error, PermanentSourceError):
        return PermanentSourceError(error.reason, url=url)
    return error
