"""The pinned transport against real servers on 127.0.0.1: TLS with the host's name, kept
connections, and connections the server closed while they were idle.

The certificate in ``fixtures/tls`` is self-signed for ``localhost`` (valid until 2126); the
tests trust it explicitly, so nothing depends on the system's CAs.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from sources import Fetcher, FetchRequest, HttpPolicy, RetryableSourceError
from sources._transport import PinnedTransport, SocketDialer

TLS = Path(__file__).parent / "fixtures" / "tls"
BODY = b'{"data": {"value": 7}}'


@dataclass
class _Seen:
    connections: int = 0
    requests: int = 0
    server_names: list[str | None] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True


@contextlib.contextmanager
def _serving(seen: _Seen, *, tls: bool, drop_idle: bool = False) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive unless the handler drops the connection

        def setup(self) -> None:
            seen.connections += 1
            super().setup()

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            seen.requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)
            # As a server whose idle timeout passed: it closes without saying so first.
            self.close_connection = drop_idle

    httpd = _Server(("127.0.0.1", 0), Handler)
    if tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")

        def named(_sock: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
            seen.server_names.append(name)

        context.sni_callback = named  # type: ignore[assignment]
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetcher(port: int, host: str = "localhost", *, trusted: bool = True) -> Fetcher:
    # The host is exempt from the guard (loopback) and resolves to 127.0.0.1 only.
    policy = HttpPolicy(
        user_agent="sources-tests", retries=0, allowed_hosts=frozenset({f"{host}:{port}"})
    )
    context = ssl.create_default_context()
    if trusted:
        context.load_verify_locations(TLS / "localhost.crt")
    transport = PinnedTransport(
        policy, resolver=lambda _h, _p: ["127.0.0.1"], dialer=SocketDialer(context)
    )
    return Fetcher(httpx.Client(transport=transport), policy, resolver=lambda _h, _p: ["127.0.0.1"])


@pytest.fixture
def seen() -> _Seen:
    return _Seen()


def test_https_goes_to_the_pinned_address_and_checks_the_hosts_certificate(seen: _Seen) -> None:
    with _serving(seen, tls=True) as port:
        evidence = _fetcher(port).fetch(FetchRequest(url=f"https://localhost:{port}/v"))
        assert evidence.raw == BODY and evidence.status == 200
        assert seen.server_names == ["localhost"]  # SNI carries the name, not the address


def test_a_certificate_for_another_name_is_refused(seen: _Seen) -> None:
    with _serving(seen, tls=True) as port:
        # The name resolves to the server, but its certificate names localhost only.
        fetcher = _fetcher(port, host="api.example.test")
        with pytest.raises(RetryableSourceError, match="certificate verify failed"):
            fetcher.fetch(FetchRequest(url=f"https://api.example.test:{port}/v"))
        untrusted = _fetcher(port, trusted=False)
        with pytest.raises(RetryableSourceError, match="certificate verify failed"):
            untrusted.fetch(FetchRequest(url=f"https://localhost:{port}/v"))
        assert seen.requests == 0


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_one_connection_carries_many_requests(seen: _Seen, tls: bool) -> None:
    scheme = "https" if tls else "http"
    with _serving(seen, tls=tls) as port:
        fetcher = _fetcher(port)
        for i in range(20):
            evidence = fetcher.fetch(FetchRequest(url=f"{scheme}://localhost:{port}/v/{i}"))
            assert evidence.raw == BODY
        assert seen.requests == 20 and seen.connections == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused(seen: _Seen) -> None:
    with _serving(seen, tls=False, drop_idle=True) as port:
        fetcher = _fetcher(port)
        for i in range(5):
            evidence = fetcher.fetch(FetchRequest(url=f"http://localhost:{port}/v/{i}"))
            assert evidence.raw == BODY
        assert seen.requests == 5 and seen.connections == 5


def test_a_body_cut_short_is_a_retryable_error_naming_the_url() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def hang_up() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"da')
        conn.close()  # 96 bytes short

    thread = threading.Thread(target=hang_up)
    thread.start()
    try:
        with pytest.raises(RetryableSourceError) as caught:
            _fetcher(port).fetch(FetchRequest(url=f"http://localhost:{port}/v"))
    finally:
        thread.join(timeout=5)
        listener.close()
    assert caught.value.url == f"http://localhost:{port}/v"
