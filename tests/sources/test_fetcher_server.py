"""The fetcher against a real HTTP server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sources import (
    Fetcher,
    FetchRequest,
    HttpPolicy,
    PermanentSourceError,
    RetryableSourceError,
    make_client,
)
from sources.builtin.http_json import HttpJsonSource, HttpJsonSpec

GOOD = b'{"data": {"value": 42.5}}'
BIG_CHUNK = b"x" * 65536
BIG_CHUNKS = 800  # 50 MiB offered; the client must stop long before
AS_OF = datetime(2027, 1, 10, tzinfo=UTC)


@dataclass
class Server:
    base: str
    port: int
    hits: Counter[str] = field(default_factory=Counter)
    big_written: int = 0

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(
            self, status: int, body: bytes, ctype: str = "application/json", **headers: str
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            state.hits[path] += 1
            if path == "/good":
                self._send(200, GOOD)
            elif path == "/slow":
                time.sleep(1.0)
                self._send(200, GOOD)
            elif path == "/error500":
                self._send(500, b"oops", "text/plain")
            elif path == "/ratelimit":
                self._send(429, b"slow down", "text/plain", Retry_After="1")
            elif path == "/html":
                self._send(200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html")
            elif path == "/truncated":
                self._send(200, b'{"data": {"value": 4')
            elif path == "/big-declared":
                self._send(200, b"y" * 5000)
            elif path == "/big":
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                try:
                    for _ in range(BIG_CHUNKS):
                        self.wfile.write(BIG_CHUNK)
                        state.big_written += len(BIG_CHUNK)
                except OSError:
                    pass
            elif path == "/redirect-private":
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/redirect-good":
                self.send_response(302)
                self.send_header("Location", "/good")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._send(404, b"{}")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early are expected here


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(base="", port=0)
    httpd = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    state.base = f"http://127.0.0.1:{state.port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetcher(**policy: object) -> Fetcher:
    settings = HttpPolicy.model_validate(
        {"user_agent": "sources-tests", "allow_private": True, "backoff_base": 0.01, **policy}
    )
    return Fetcher(make_client(settings), settings)


def test_good_json_body_hashes_the_served_bytes(server: Server) -> None:
    evidence = _fetcher().fetch(FetchRequest(url=server.url("/good")), fetched_at=AS_OF)
    assert evidence.sha256 == hashlib.sha256(GOOD).hexdigest()
    assert evidence.body == GOOD and evidence.size == len(GOOD)
    assert evidence.status == 200 and evidence.content_type == "application/json"
    assert evidence.fetched_at == AS_OF and evidence.verify()


def test_redirect_is_followed_and_final_url_recorded(server: Server) -> None:
    evidence = _fetcher().fetch(FetchRequest(url=server.url("/redirect-good")))
    assert evidence.url == server.url("/good")
    assert evidence.fetched_at.tzinfo is not None


def test_read_timeout_is_retryable(server: Server) -> None:
    with pytest.raises(RetryableSourceError, match="timed out"):
        _fetcher(read_timeout=0.2, retries=0).fetch(FetchRequest(url=server.url("/slow")))


def test_refused_connection_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RetryableSourceError, match="connection failed"):
        _fetcher(retries=1).fetch(FetchRequest(url=f"http://127.0.0.1:{port}/"))


def test_server_error_is_retried_then_retryable(server: Server) -> None:
    with pytest.raises(RetryableSourceError, match="HTTP 500"):
        _fetcher(retries=2).fetch(FetchRequest(url=server.url("/error500")))
    assert server.hits["/error500"] == 3


def test_429_waits_for_retry_after_then_fails(server: Server) -> None:
    started = time.monotonic()
    with pytest.raises(RetryableSourceError) as caught:
        _fetcher(retries=1, retry_after_cap=2).fetch(FetchRequest(url=server.url("/ratelimit")))
    elapsed = time.monotonic() - started
    assert caught.value.retry_after == 1.0
    assert server.hits["/ratelimit"] == 2
    assert elapsed >= 0.9  # it waited for Retry-After before the second try


def test_429_with_retry_after_above_the_cap_is_not_waited_for(server: Server) -> None:
    with pytest.raises(RetryableSourceError):
        _fetcher(retries=3, retry_after_cap=0.5).fetch(FetchRequest(url=server.url("/ratelimit")))
    assert server.hits["/ratelimit"] == 1


@pytest.mark.parametrize(("path", "message"), [("/html", "HTML"), ("/truncated", "truncated")])
def test_bad_json_payload_is_permanent_at_parse(server: Server, path: str, message: str) -> None:
    spec = HttpJsonSpec(url=server.url(path), path="$.data.value")
    source = HttpJsonSource()
    request = source.requests(spec, as_of=AS_OF)[0]
    evidence = _fetcher().fetch(request)
    with pytest.raises(PermanentSourceError, match=message):
        source.parse(spec, {request.key: evidence}, as_of=AS_OF)


def test_resolve_over_the_server(server: Server) -> None:
    spec = HttpJsonSpec(url=server.url("/good"), path="$.data.value")
    observation, evidence = HttpJsonSource().resolve(spec, _fetcher(), as_of=AS_OF)
    assert observation.value == 42.5
    assert [e.url for e in evidence] == [server.url("/good")]


def test_streamed_body_over_the_limit_is_aborted(server: Server) -> None:
    with pytest.raises(PermanentSourceError, match="limit"):
        _fetcher(max_body_bytes=100_000).fetch(FetchRequest(url=server.url("/big")))
    assert server.big_written < BIG_CHUNKS * len(BIG_CHUNK)


def test_declared_length_over_the_limit_is_refused(server: Server) -> None:
    with pytest.raises(PermanentSourceError, match="5000 bytes exceeds"):
        _fetcher(max_body_bytes=1000).fetch(FetchRequest(url=server.url("/big-declared")))


def test_redirect_to_a_private_address_is_refused_before_connecting(server: Server) -> None:
    resolved: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        resolved.append(host)
        return ["93.184.216.34"]

    policy = HttpPolicy(
        user_agent="sources-tests",
        allow_private=False,
        allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}),
    )
    fetcher = Fetcher(make_client(policy), policy, resolver=resolver)
    with pytest.raises(PermanentSourceError, match=r"169\.254\.169\.254"):
        fetcher.fetch(FetchRequest(url=server.url("/redirect-private")))
    assert server.hits["/redirect-private"] == 1
    assert resolved == []  # an IP literal needs no lookup and was refused as is


def test_guard_refuses_loopback_by_default(server: Server) -> None:
    policy = HttpPolicy(user_agent="sources-tests")
    with pytest.raises(PermanentSourceError, match="127.0.0.1 is not a globally routable"):
        Fetcher(make_client(policy), policy).fetch(FetchRequest(url=server.url("/good")))
    assert server.hits["/good"] == 0


def test_fetch_many_deduplicates_identical_requests(server: Server) -> None:
    requests = [FetchRequest(url=server.url("/good")) for _ in range(100)]
    results = _fetcher().fetch_many(requests)
    assert list(results) == [requests[0].key]
    assert server.hits["/good"] == 1
