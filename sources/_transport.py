"""The transport under every source client: pinned connections, a total deadline, and
HTTP/1.1 spoken by the standard library.

httpx resolves a host name itself when it connects, so a guard that resolves the name first and
lets httpx connect afterwards checks one address and connects to another (DNS rebinding). Here
the transport resolves once, checks every address (:func:`checked_addresses`) and connects to a
checked IP; TLS still gets the host name (SNI, certificate check) and the request keeps its
``Host`` header.

httpx stays the client (requests, redirects, decoding, timeouts per request); only the wire is
``http.client``'s. httpx's own transport (httpcore and h11) spent about a millisecond of CPU per
request, and a sweep's fetch threads share one interpreter lock with everything else the sweep
does: ``http.client`` parses the same HTTP/1.1 for a fraction of that.

Socket timeouts bound each read, not a request: a server sending one byte every few seconds
never trips them. :func:`deadline` sets a monotonic instant for the current thread; every
connect, TLS handshake, read and write below it waits at most until then.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from ._guard import Resolver, checked_addresses, system_resolver

if TYPE_CHECKING:
    from ._http import HttpPolicy

__all__ = ["Dialer", "PinnedTransport", "SocketDialer", "deadline", "remaining"]

_DEADLINE: ContextVar[float | None] = ContextVar("sources_deadline", default=None)
_CHUNK = 64 * 1024


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


def _bounded(timeout: float | None, error: type[httpx.TimeoutException]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the total deadline of the request has passed")
    return left if timeout is None else min(timeout, left)


class Dialer(Protocol):
    """Opens the sockets: TCP to an address already checked, then TLS over it."""

    def connect(self, address: str, port: int, timeout: float | None) -> socket.socket: ...

    def start_tls(
        self, sock: socket.socket, server_hostname: str, timeout: float | None
    ) -> socket.socket: ...


class SocketDialer:
    """Real sockets; TLS with ``context`` (httpx's default: system CAs, no environment)."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._context = context or httpx.create_ssl_context(trust_env=False)

    def connect(self, address: str, port: int, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((address, port), timeout=timeout)
        # Headers and body may leave in separate writes: do not hold the second for an ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def start_tls(
        self, sock: socket.socket, server_hostname: str, timeout: float | None
    ) -> socket.socket:
        sock.settimeout(timeout)
        return self._context.wrap_socket(sock, server_hostname=server_hostname)


class _Reader(io.RawIOBase):
    """What ``http.client`` reads a response from: each read waits at most the read timeout,
    and never past the deadline."""

    def __init__(self, owner: _Socket) -> None:
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raw = self._owner.raw
        raw.settimeout(_bounded(self._owner.read_timeout, httpx.ReadTimeout))
        try:
            return raw.recv_into(buffer)
        except TimeoutError as error:
            raise httpx.ReadTimeout(f"read timed out ({error})") from None

    def close(self) -> None:
        if not self.closed:
            super().close()
            self._owner.reader_closed()


class _Socket:
    """The socket ``http.client`` is given: writes and reads bounded as above. As with a
    real socket's files, closing it while a response is still being read closes it when
    that response is done with (``http.client`` hands a closing connection to its response).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.raw = sock
        self.read_timeout: float | None = None
        self.write_timeout: float | None = None
        self._readers = 0
        self._closing = False

    def sendall(self, data: bytes) -> None:
        self.raw.settimeout(_bounded(self.write_timeout, httpx.WriteTimeout))
        try:
            self.raw.sendall(data)
        except TimeoutError as error:
            raise httpx.WriteTimeout(f"write timed out ({error})") from None

    def makefile(self, mode: str, *args: object, **kwargs: object) -> io.BufferedReader:
        self._readers += 1
        return io.BufferedReader(_Reader(self), _CHUNK)

    def reader_closed(self) -> None:
        self._readers -= 1
        if self._closing and self._readers == 0:
            self.raw.close()

    def close(self) -> None:
        self._closing = True
        if self._readers == 0:
            self.raw.close()

    def stale(self) -> bool:
        """An idle connection the server closed (or wrote to unasked) cannot be reused."""
        try:
            readable, _, _ = select.select([self.raw], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class _Connection(http.client.HTTPConnection):
    """An ``HTTPConnection`` over a socket the transport opened: it never connects itself, so
    nothing reaches an address the guard did not check."""

    def __init__(self, host: str, port: int, sock: _Socket) -> None:
        super().__init__(host, port)
        self.sock = sock
        self.wire = sock

    def connect(self) -> None:
        raise http.client.NotConnected("a source connection is opened by its transport only")


_Origin = tuple[str, str, int]
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class _Dropped(Exception):
    """The connection closed before any of the response arrived."""


def _protocol_error(error: Exception) -> httpx.RemoteProtocolError:
    # The text may quote what the server sent: escaped, so it stays one printable line.
    text = str(error).encode("unicode_escape").decode("ascii")[:200]
    return httpx.RemoteProtocolError(f"{type(error).__name__}: {text}")


class _Body(httpx.SyncByteStream):
    """The response body as it arrives; the connection goes back to the pool once the body
    was read to its end, and is closed otherwise."""

    def __init__(
        self,
        transport: PinnedTransport,
        origin: _Origin,
        connection: _Connection,
        response: http.client.HTTPResponse,
    ) -> None:
        self._transport = transport
        self._origin = origin
        self._connection = connection
        self._response = response
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        while not self._done:
            try:
                chunk = self._response.read1(_CHUNK)
                if not chunk:
                    left = self._response.length
                    if left:  # the connection ended before the declared length
                        raise http.client.IncompleteRead(b"", left)
                    # read1 leaves a body read to its declared length open; read() ends it.
                    self._response.read()
            except http.client.HTTPException as error:
                raise _protocol_error(error) from None
            except TimeoutError as error:
                raise httpx.ReadTimeout(f"timed out ({error})") from None
            except OSError as error:
                raise httpx.ReadError(f"{type(error).__name__}: {error}") from None
            if not chunk:
                self._done = True
                return
            yield chunk

    def close(self) -> None:
        response, connection = self._response, self._connection
        reusable = self._done and response.isclosed() and not response.will_close
        response.close()
        if reusable:
            self._transport.keep(self._origin, connection)
        else:
            connection.close()


class PinnedTransport(httpx.BaseTransport):
    """HTTP/1.1 to addresses checked by the guard, with keep-alive connections (at most
    ``policy.concurrency`` idle ones).

    ``dialer`` opens the sockets (:class:`SocketDialer` by default; tests pass a fake to see
    which address is dialled). A refused address raises ``PermanentSourceError``, which passes
    through httpx unchanged.
    """

    def __init__(
        self,
        policy: HttpPolicy,
        *,
        resolver: Resolver = system_resolver,
        dialer: Dialer | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._dialer: Dialer = dialer or SocketDialer()
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}")
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        body = request.read()
        while True:
            connection, reused = self._connection(origin, timeouts.get("connect"))
            try:
                response = self._exchange(connection, request, url, body, timeouts)
            except _Dropped:
                # A kept connection the server closed as it was taken (its idle timeout):
                # nothing was answered, so an idempotent request goes again on a new one.
                if reused and request.method in _IDEMPOTENT:
                    continue
                raise httpx.RemoteProtocolError(
                    "the server closed the connection without a response"
                ) from None
            break
        # Header bytes as they came (http.client decodes them as Latin-1): httpx keeps them.
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.getheaders()]
        return httpx.Response(
            response.status,
            headers=headers,
            stream=_Body(self, origin, connection, response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": response.reason.encode("ascii", "replace"),
            },
        )

    @staticmethod
    def _exchange(
        connection: _Connection,
        request: httpx.Request,
        url: httpx.URL,
        body: bytes,
        timeouts: dict[str, float | None],
    ) -> http.client.HTTPResponse:
        """Send the request and read the response's status and headers."""
        wire = connection.wire
        wire.write_timeout = timeouts.get("write")
        wire.read_timeout = timeouts.get("read")
        try:
            connection.putrequest(
                request.method,
                url.raw_path.decode("ascii"),
                skip_host=True,
                skip_accept_encoding=True,
            )
            for name, value in request.headers.raw:
                connection.putheader(name, value)
            connection.endheaders(body or None)
            return connection.getresponse()
        except BaseException as error:
            connection.close()
            if isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError)):
                raise _Dropped from None
            if isinstance(error, ConnectionResetError | ConnectionAbortedError):
                raise _Dropped from None
            if isinstance(error, http.client.HTTPException):
                raise _protocol_error(error) from None
            if isinstance(error, TimeoutError):
                raise httpx.ReadTimeout(f"timed out ({error})") from None
            if isinstance(error, OSError):
                raise httpx.ReadError(f"{type(error).__name__}: {error}") from None
            raise

    def keep(self, origin: _Origin, connection: _Connection) -> None:
        """Take back a connection whose last response was read to its end. At most
        ``concurrency`` are kept, over all origins: a long-lived client that met many hosts
        does not hold a socket open for each."""
        with self._lock:
            if sum(map(len, self._idle.values())) < self._policy.concurrency:
                self._idle.setdefault(origin, []).append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    def _connection(
        self, origin: _Origin, connect_timeout: float | None
    ) -> tuple[_Connection, bool]:
        """A kept connection to ``origin`` (True), or a new one (False)."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                found = idle.pop() if idle else None
                if idle is not None and not idle:
                    del self._idle[origin]
            if found is None:
                break
            if not found.wire.stale():
                return found, True
            found.close()
        scheme, host, port = origin
        addresses = checked_addresses(host, port, self._policy, self._resolver)
        failure: Exception | None = None
        for address in addresses:  # every one was checked; try them in order
            try:
                timeout = _bounded(connect_timeout, httpx.ConnectTimeout)
                sock = self._dialer.connect(address, port, timeout)
            except TimeoutError as error:
                failure = httpx.ConnectTimeout(f"connect to {address} timed out ({error})")
                continue
            except OSError as error:
                failure = httpx.ConnectError(f"{type(error).__name__}: {error}")
                continue
            try:
                if scheme == "https":
                    timeout = _bounded(connect_timeout, httpx.ConnectTimeout)
                    sock = self._dialer.start_tls(sock, host, timeout)
            except TimeoutError as error:
                sock.close()
                raise httpx.ConnectTimeout(f"TLS handshake timed out ({error})") from None
            except OSError as error:  # ssl.SSLError and certificate errors among them
                sock.close()
                raise httpx.ConnectError(f"{type(error).__name__}: {error}") from None
            except BaseException:
                sock.close()
                raise
            return _Connection(host, port, _Socket(sock)), False
        assert failure is not None  # checked_addresses never returns an empty list
        raise failure
