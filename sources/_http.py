"""HTTP policy: timeouts, the total deadline, limits, retries and the address guard switches."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ._errors import PermanentSourceError, RetryableSourceError, SourceError
from ._guard import Resolver, system_resolver
from ._transport import PinnedTransport

__all__ = [
    "HttpPolicy",
    "make_client",
    "parse_retry_after",
    "status_error",
]


class HttpPolicy(BaseModel):
    """Bounds on every outgoing request; built explicitly by the application.

    ``user_agent`` has no default: the application that sends the requests names itself.
    ``deadline`` bounds a whole :meth:`Fetcher.fetch` (every redirect hop, retry and backoff),
    on top of the per-operation ``connect_timeout`` and ``read_timeout``.
    """

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    user_agent: str = Field(min_length=1)
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(30.0, gt=0)
    deadline: float = Field(60.0, gt=0)
    max_body_bytes: int = Field(10_000_000, gt=0)
    excerpt_limit: int = Field(2 * 1024 * 1024, gt=0)
    max_redirects: int = Field(5, ge=0)
    per_host_concurrency: int = Field(4, ge=1)
    concurrency: int = Field(32, ge=1)
    retries: int = Field(2, ge=0)
    backoff_base: float = Field(0.5, ge=0)
    backoff_cap: float = Field(10.0, ge=0)
    retry_after_cap: float = Field(30.0, ge=0)
    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt + 1`` (exponential, capped)."""
        return float(min(self.backoff_cap, self.backoff_base * 2**attempt))


def make_client(policy: HttpPolicy, *, resolver: Resolver = system_resolver) -> httpx.Client:
    """The one place an ``httpx.Client`` for sources is built.

    Connections go through :class:`PinnedTransport`: each host is resolved with ``resolver``,
    checked by the address guard, and the connection goes to the address checked. Redirects are
    not followed by the client (the fetcher follows them itself so that each hop is checked and
    credentials are dropped when the origin changes) and proxy variables are ignored (a proxy
    would resolve hosts behind the guard's back).
    """
    timeout = httpx.Timeout(
        connect=policy.connect_timeout,
        read=policy.read_timeout,
        write=policy.read_timeout,
        pool=policy.read_timeout,
    )
    return httpx.Client(
        transport=PinnedTransport(policy, resolver=resolver),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": policy.user_agent},
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
