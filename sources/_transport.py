"""The transport under every source client: pinned connections and a total deadline.

httpx resolves a host name itself when it connects, so a guard that resolves the name first and
lets httpx connect afterwards checks one address and connects to another (DNS rebinding). Here
the network backend resolves once, checks every address (:func:`checked_addresses`) and connects
to a checked IP; TLS still gets the host name (SNI, certificate check) and the request keeps its
``Host`` header, because httpcore takes both from the URL, not from the socket.

Socket timeouts bound each read, not a request: a server sending one byte every few seconds
never trips them. :func:`deadline` sets a monotonic instant for the current thread; every
connect, TLS handshake, read and write below it waits at most until then.
"""

from __future__ import annotations

import contextlib
import ssl
import time
import typing
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

import httpcore
import httpx

from ._guard import Resolver, checked_addresses, system_resolver

if TYPE_CHECKING:
    from ._http import HttpPolicy

__all__ = ["GuardedBackend", "PinnedTransport", "deadline", "remaining"]

_DEADLINE: ContextVar[float | None] = ContextVar("sources_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Bound all network waits in this context by ``time.monotonic()`` instant ``at``."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Seconds left before the current deadline (None without one; may be negative)."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the total deadline of the request has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A stream whose every wait is cut short at the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolves with ``resolver``, applies the address guard, connects to a checked IP.

    ``inner`` opens the sockets (httpcore's ``SyncBackend`` by default; tests pass a fake to see
    which address is dialled). A refused address raises ``PermanentSourceError``, which passes
    through httpx unchanged.
    """

    def __init__(
        self,
        policy: HttpPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, self._policy, self._resolver)
        failure: Exception | None = None
        for address in addresses:  # every one was checked; try them in order
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=_bounded(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return _DeadlineStream(stream)
        assert failure is not None  # checked_addresses never returns an empty list
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("sources never connect to a unix socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` whose connections go through a :class:`GuardedBackend`."""

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        resolver: Resolver = system_resolver,
        backend: httpcore.NetworkBackend | None = None,
    ) -> None:
        super().__init__(trust_env=False)
        # httpx offers no hook for the network backend, so the pool it built is replaced by one
        # with the same TLS settings and the guarded backend (tested in test_transport_pinning).
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=policy.concurrency,
            max_keepalive_connections=policy.concurrency,
            network_backend=GuardedBackend(policy, resolver, backend),
        )
