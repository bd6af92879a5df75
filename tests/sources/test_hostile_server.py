"""Hostile responses from a real HTTP server on 127.0.0.1 (no other network).

Every hostile case must end as a typed ``SourceError`` from ``fetch``/``fetch_many``/``parse``,
never as a raw exception and never as an observation, and must not disturb the good requests
fetched in the same batch. ``HOSTILE`` is the list the suite reports (see the last test).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from sources import (
    Evidence,
    Fetcher,
    FetchRequest,
    HttpPolicy,
    PermanentSourceError,
    RetryableSourceError,
    SourceError,
    make_client,
)
from sources.builtin.http_json import HttpJsonSource, HttpJsonSpec

AS_OF = datetime(2027, 1, 10, tzinfo=UTC)
GOOD = b'{"data": {"value": 42.5}}'
BOMB = gzip.compress(b"[" + b"0," * 2_000_000 + b"0]")  # ~4 MB once inflated, ~4 KB on the wire


@dataclass(frozen=True)
class Hostile:
    path: str
    error: type[SourceError]
    message: str


HOSTILE = [
    Hostile("/deep-array", PermanentSourceError, "nested deeper than"),
    Hostile("/deep-object", PermanentSourceError, "nested deeper than"),
    Hostile("/huge-int", PermanentSourceError, "100000 characters exceeds"),
    Hostile("/huge-float", PermanentSourceError, "characters exceeds"),
    Hostile("/duplicate-keys", PermanentSourceError, "duplicate key 'data'"),
    Hostile("/json-as-png", PermanentSourceError, "content type 'image/png'"),
    Hostile("/drip-body", RetryableSourceError, "total deadline of 1.5 s"),
    Hostile("/drip-headers", RetryableSourceError, "total deadline of 1.5 s"),
    Hostile("/gzip-bomb", PermanentSourceError, "limit"),
    Hostile("/redirect-loop", PermanentSourceError, "more than 5 redirects"),
    Hostile("/redirect-unparseable", PermanentSourceError, "redirect to an invalid URL"),
    Hostile("/redirect-metadata", PermanentSourceError, "169.254.169.254"),
    Hostile("/not-utf8", PermanentSourceError, "not UTF-8"),
]


@dataclass
class Server:
    port: int = 0
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _drip(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    try:
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(1.0)  # one byte a second: each read succeeds, the request never ends
    except OSError:
        pass  # the client gave up, as it should


def _handler(state: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, body: bytes, ctype: str = "application/json", **extra: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = self.path.split("?", 1)[0]
            state.headers[path] = {k.lower(): v for k, v in self.headers.items()}
            state.queries[path] = urlsplit(self.path).query
            if path.startswith("/good"):
                self._send(GOOD)
            elif path == "/deep-array":
                self._send(b"[" * 10**6 + b"]" * 10**6)
            elif path == "/deep-object":
                self._send(b'{"data": ' * 100 + b"1" + b"}" * 100)
            elif path == "/huge-int":
                self._send(b'{"data": {"value": ' + b"7" * 100_000 + b"}}")
            elif path == "/huge-float":
                self._send(b'{"data": {"value": 0.' + b"7" * 100_000 + b"}}")
            elif path == "/duplicate-keys":
                self._send(b'{"data": {"value": 1}, "data": {"value": 99}}')
            elif path == "/json-as-png":
                self._send(GOOD, "image/png")
            elif path == "/not-utf8":
                self._send(b'{"data": {"value": "\xff\xfe"}}')
            elif path == "/gzip-bomb":
                self._send(BOMB, Content_Encoding="gzip")
            elif path == "/drip-body":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(GOOD)))
                self.end_headers()
                self.wfile.flush()
                _drip(self, GOOD)
            elif path == "/drip-headers":
                _drip(self, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            elif path == "/redirect":
                self._redirect(parse_qs(urlsplit(self.path).query)["to"][0])
            elif path == "/redirect-loop":
                self._redirect("/redirect-loop")
            elif path == "/redirect-unparseable":
                self._redirect("http://0177.0.0.1/")
            elif path == "/redirect-metadata":
                self._redirect("http://169.254.169.254/latest/meta-data/")
            else:
                self.send_error(404)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early are expected here


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server()
    httpd = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _fetcher(server: Server) -> Fetcher:
    # Loopback is reachable only because this policy names the test server's host:port.
    policy = HttpPolicy(
        user_agent="sources-tests",
        allowed_hosts=frozenset({f"127.0.0.1:{server.port}"}),
        deadline=1.5,
        read_timeout=5.0,
        retries=0,
        max_body_bytes=3_000_000,
    )
    return Fetcher(make_client(policy), policy)


def _spec(server: Server, path: str) -> HttpJsonSpec:
    return HttpJsonSpec(url=server.url(path), path="$.data.value")


def _outcome(
    source: HttpJsonSource, spec: HttpJsonSpec, result: Evidence | SourceError
) -> float | SourceError:
    """What a sweep would record for one question: a value or the typed error."""
    if isinstance(result, SourceError):
        return result
    request = source.requests(spec, as_of=AS_OF)[0]
    try:
        observation = source.parse(spec, {request.key: result}, as_of=AS_OF)
    except SourceError as error:
        return error
    assert observation.value is not None
    return observation.value


@pytest.mark.parametrize("case", HOSTILE, ids=[case.path for case in HOSTILE])
def test_each_hostile_response_is_a_typed_error(server: Server, case: Hostile) -> None:
    source, spec = HttpJsonSource(), _spec(server, case.path)
    started = time.monotonic()
    with pytest.raises(case.error, match=case.message) as caught:
        source.resolve(spec, _fetcher(server), as_of=AS_OF)
    assert time.monotonic() - started < 3.5  # bounded by the 1.5 s deadline, plus a drip byte
    assert caught.value.url is not None  # the error names the URL that failed


def test_one_batch_of_fifty_good_questions_and_every_hostile_one(server: Server) -> None:
    source = HttpJsonSource()
    good = [_spec(server, f"/good/{i}") for i in range(50)]
    hostile = [_spec(server, case.path) for case in HOSTILE]
    specs = good + hostile
    requests = [source.requests(spec, as_of=AS_OF)[0] for spec in specs]
    started = time.monotonic()
    results = _fetcher(server).fetch_many(requests)
    assert time.monotonic() - started < 6  # the drip-feeds cost one deadline, not a sweep
    outcomes = [
        _outcome(source, spec, results[request.key])
        for spec, request in zip(specs, requests, strict=True)
    ]
    assert outcomes[:50] == [42.5] * 50
    errors = outcomes[50:]
    assert [type(error) for error in errors] == [case.error for case in HOSTILE]


def test_cross_origin_redirect_drops_credentials_on_a_real_server(server: Server) -> None:
    other = Server()
    httpd = _QuietServer(("127.0.0.1", 0), _handler(other))
    other.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        policy = HttpPolicy(
            user_agent="sources-tests",
            allowed_hosts=frozenset({f"127.0.0.1:{server.port}", f"127.0.0.1:{other.port}"}),
        )
        fetcher = Fetcher(make_client(policy), policy)

        def via(target: Server) -> FetchRequest:
            # The server echoes the secret parameter into Location, as some APIs do.
            location = target.url("/good/landing") + "?api_key=s3cret"
            return FetchRequest(url=server.url("/redirect"), params=(("to", location),))

        for target in (server, other):
            request = via(target).with_secrets(
                params=[("api_key", "s3cret")], headers=[("Authorization", "Token s3cret")]
            )
            evidence = fetcher.fetch(request)
            assert evidence.raw == GOOD and "s3cret" not in evidence.url
        # Same origin: the credentials were meant for it. Another port: another origin.
        assert server.headers["/good/landing"]["authorization"] == "Token s3cret"
        assert "authorization" not in other.headers["/good/landing"]
        assert other.queries["/good/landing"] == ""  # the echoed api_key was stripped too
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_the_suite_states_how_many_hostile_responses_it_tries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert len(HOSTILE) == 13
    assert len({case.path for case in HOSTILE}) == len(HOSTILE)
    with capsys.disabled():
        print(f"\n[sources] hostile responses tried against a real server: {len(HOSTILE)}")
