"""HTTP policy: timeouts, limits, retries, and the private-address guard."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ._errors import PermanentSourceError, RetryableSourceError, SourceError

__all__ = [
    "DEFAULT_USER_AGENT",
    "HttpPolicy",
    "Resolver",
    "check_host",
    "make_client",
    "parse_retry_after",
    "status_error",
    "system_resolver",
]

DEFAULT_USER_AGENT = "forecasts/0.1 (+https://github.com/forecasts/forecasts)"

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> IP addresses``; raises ``OSError`` when the name does not resolve."""


class HttpPolicy(BaseModel):
    """Bounds on every outgoing request. ``from_env()`` applies ``FORECASTS_*`` variables."""

    model_config = ConfigDict(frozen=True)

    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)
    max_body_bytes: int = Field(10_000_000, gt=0)
    excerpt_limit: int = Field(2 * 1024 * 1024, gt=0)
    max_redirects: int = Field(5, ge=0)
    user_agent: str = DEFAULT_USER_AGENT
    per_host_concurrency: int = Field(4, ge=1)
    concurrency: int = Field(32, ge=1)
    retries: int = Field(2, ge=0)
    backoff_base: float = Field(0.5, ge=0)
    backoff_cap: float = Field(10.0, ge=0)
    retry_after_cap: float = Field(30.0, ge=0)
    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> HttpPolicy:
        """Read ``FORECASTS_ALLOW_PRIVATE_SOURCES`` and ``FORECASTS_SOURCE_TIMEOUT``."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        allow = env.get("FORECASTS_ALLOW_PRIVATE_SOURCES", "").strip().lower()
        if allow:
            if allow not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(f"FORECASTS_ALLOW_PRIVATE_SOURCES must be 1 or 0, got {allow!r}")
            values["allow_private"] = allow in ("1", "true", "yes")
        timeout = env.get("FORECASTS_SOURCE_TIMEOUT", "").strip()
        if timeout:
            try:
                seconds = float(timeout)
            except ValueError:
                seconds = -1.0
            if not seconds > 0:
                raise ValueError(
                    f"FORECASTS_SOURCE_TIMEOUT must be a positive number of seconds, "
                    f"got {timeout!r}"
                )
            values["read_timeout"] = seconds
            values["connect_timeout"] = min(seconds, 10.0)
        values.update(overrides)
        return cls.model_validate(values)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt + 1`` (exponential, capped)."""
        return float(min(self.backoff_cap, self.backoff_base * 2**attempt))


def make_client(policy: HttpPolicy) -> httpx.Client:
    """The one place an ``httpx.Client`` for sources is built.

    Redirects are not followed by the client (the fetcher follows them itself so that each
    hop passes the address guard) and proxy variables are ignored (a proxy would resolve
    hosts behind the guard's back).
    """
    timeout = httpx.Timeout(
        connect=policy.connect_timeout,
        read=policy.read_timeout,
        write=policy.read_timeout,
        pool=policy.read_timeout,
    )
    limits = httpx.Limits(
        max_connections=policy.concurrency, max_keepalive_connections=policy.concurrency
    )
    return httpx.Client(
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": policy.user_agent},
    )


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with ``socket.getaddrinfo``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _forbidden(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_host(url: httpx.URL, policy: HttpPolicy, resolver: Resolver) -> None:
    """Refuse ``url`` unless its host resolves only to public addresses.

    Skipped when ``policy.allow_private`` is set or the host (``host`` or ``host:port``) is in
    ``policy.allowed_hosts``. Raises ``PermanentSourceError`` for a refused or malformed URL and
    ``RetryableSourceError`` when the name does not resolve.
    """
    if url.scheme not in ("http", "https"):
        raise PermanentSourceError(f"unsupported URL scheme {url.scheme!r}", url=str(url))
    host = url.host
    if not host:
        raise PermanentSourceError("URL has no host", url=str(url))
    port = url.port or (443 if url.scheme == "https" else 80)
    if policy.allow_private or host in policy.allowed_hosts:
        return
    if f"{host}:{port}" in policy.allowed_hosts:
        return
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = resolver(host, port)
        except OSError as error:
            raise RetryableSourceError(
                f"cannot resolve host {host!r}: {error}", url=str(url)
            ) from None
    if not addresses:
        raise RetryableSourceError(f"host {host!r} resolved to no address", url=str(url))
    blocked = [a for a in addresses if _forbidden(a)]
    if blocked:
        raise PermanentSourceError(
            f"refusing {host!r}: resolves to non-public address {blocked[0]} "
            "(set FORECASTS_ALLOW_PRIVATE_SOURCES=1 to allow)",
            url=str(url),
        )


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def status_error(status: int, *, url: str, retry_after: float | None = None) -> SourceError:
    """The error for a non-success HTTP status."""
    if status == 429:
        return RetryableSourceError("HTTP 429 Too Many Requests", url=url, retry_after=retry_after)
    if status >= 500:
        return RetryableSourceError(f"HTTP {status} server error", url=url, retry_after=retry_after)
    if status == 404:
        return PermanentSourceError("HTTP 404 Not Found", url=url)
    if status in (401, 403):
        return PermanentSourceError(f"HTTP {status}: authentication required or refused", url=url)
    if 300 <= status < 400:
        return PermanentSourceError(f"HTTP {status} redirect without a usable Location", url=url)
    return PermanentSourceError(f"HTTP {status}", url=url)
