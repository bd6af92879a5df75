"""The address guard, connection pinning and credential dropping, with injected resolvers.

No request leaves the machine: resolvers are functions, the network backend under the real
transport is a recording fake, and the one real socket goes to 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import typing
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from sources import (
    Fetcher,
    FetchRequest,
    HttpPolicy,
    PermanentSourceError,
    RetryableSourceError,
    make_client,
)
from sources._guard import refusal
from sources._transport import PinnedTransport

PUBLIC_V4 = "93.184.216.34"
POLICY = HttpPolicy(user_agent="sources-tests", retries=0)
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

# The guard requires globally routable addresses: each of these is refused, with the reason.
REFUSED = [
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.100.100.200", "carrier-grade NAT"),  # a cloud metadata service
    ("169.254.169.254", "not a globally routable"),
    ("127.0.0.1", "not a globally routable"),
    ("10.0.0.5", "not a globally routable"),
    ("192.168.1.1", "not a globally routable"),
    ("0.0.0.0", "not a globally routable"),
    ("224.0.0.1", "not a globally routable"),
    ("192.0.2.1", "not a globally routable"),
    ("::1", "not a globally routable"),
    ("fd00::1", "not a globally routable"),
    ("fe80::1%eth0", "not a globally routable"),
    ("::ffff:10.0.0.1", "not a globally routable"),
    ("2002:a00:1::1", "embeds the non-global IPv4 address 10.0.0.1"),  # 6to4
    ("2002:a9fe:a9fe::1", "embeds the non-global IPv4 address 169.254.169.254"),
    ("2002:6440:1::1", "embeds the non-global IPv4 address 100.64.0.1"),
    # Tunnels and translators to 192.0.2.45 / 169.254.169.254 / 127.0.0.1: refused, by
    # whichever rule fires first on this Python (their prefixes are not global either).
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", ""),  # Teredo
    ("64:ff9b::a9fe:a9fe", ""),  # NAT64
    ("::7f00:1", ""),  # IPv4-compatible
]
ALLOWED = [PUBLIC_V4, "::ffff:93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_non_global_addresses_are_refused_with_the_reason(address: str, reason: str) -> None:
    why = refusal(address)
    assert why is not None and reason in why


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_pass(address: str) -> None:
    assert refusal(address) is None


@pytest.mark.parametrize(("address", "reason"), REFUSED[:4] + REFUSED[13:15])
def test_fetcher_refuses_a_name_resolving_there_without_sending(address: str, reason: str) -> None:
    def handler(_request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    fetcher = Fetcher(client, POLICY, resolver=lambda _host, _port: [PUBLIC_V4, address])
    with pytest.raises(PermanentSourceError, match="refusing host 'api.example.org'") as caught:
        fetcher.fetch(FetchRequest(url="https://api.example.org/v1"))
    assert reason in str(caught.value) and caught.value.url == "https://api.example.org/v1"


class _RecordingDialer:
    """Stands for the socket layer: records which address it is asked to dial and the TLS
    server name; the socket it returns is one end of a pair whose other end already holds
    the reply, and keeps what the client sent."""

    def __init__(self) -> None:
        self.log: dict[str, typing.Any] = {"dialled": []}
        self._peers: list[socket.socket] = []

    def connect(self, address: str, port: int, timeout: float | None) -> socket.socket:
        self.log["dialled"].append((address, port))
        ours, peer = socket.socketpair()
        peer.sendall(RESPONSE)
        self._peers.append(peer)
        return ours

    def start_tls(
        self, sock: socket.socket, server_hostname: str, timeout: float | None
    ) -> socket.socket:
        self.log["sni"] = server_hostname
        return sock

    def closed(self) -> list[bool]:
        """Per connection dialled, whether the client has closed its end."""
        ended = []
        for peer in self._peers:
            peer.setblocking(False)
            try:
                while peer.recv(65536):  # what the client sent, then its end if closed
                    pass
                ended.append(True)
            except BlockingIOError:
                ended.append(False)
        return ended

    def sent(self) -> bytes:
        data = b""
        for peer in self._peers:
            peer.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                data += peer.recv(65536)
        return data


class _Rebinding:
    """A DNS answer that changes between lookups (public first, then the metadata address)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, host: str, port: int) -> list[str]:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return answer


def test_the_connection_goes_to_the_checked_address_keeping_sni_and_host() -> None:
    dialer = _RecordingDialer()
    resolver = _Rebinding([PUBLIC_V4], ["127.0.0.1"])
    transport = PinnedTransport(POLICY, resolver=resolver, dialer=dialer)
    with httpx.Client(transport=transport) as client:
        response = client.get("https://api.example.org/v1")
    assert response.json() == {}
    assert resolver.calls == 1  # one lookup: the address checked is the address dialled
    assert dialer.log["dialled"] == [(PUBLIC_V4, 443)]
    assert dialer.log["sni"] == "api.example.org"
    sent = dialer.sent()
    assert sent.startswith(b"GET /v1 HTTP/1.1\r\n") and b"\r\nHost: api.example.org\r\n" in sent


def test_idle_connections_kept_over_all_hosts_never_exceed_the_concurrency() -> None:
    dialer = _RecordingDialer()
    policy = POLICY.model_copy(update={"concurrency": 2})
    transport = PinnedTransport(policy, resolver=lambda _h, _p: [PUBLIC_V4], dialer=dialer)
    with httpx.Client(transport=transport) as client:
        for host in ("a.example.org", "b.example.org", "c.example.org"):
            assert client.get(f"https://{host}/v1").json() == {}
        # Each answer was read whole, so each connection could be kept; the third was not.
        assert dialer.closed() == [False, False, True]
    assert dialer.closed() == [True, True, True]  # closing the client closes the kept ones


def test_a_rebinding_answer_at_connect_time_is_refused() -> None:
    dialer = _RecordingDialer()
    resolver = _Rebinding([PUBLIC_V4], ["169.254.169.254"])
    client = httpx.Client(transport=PinnedTransport(POLICY, resolver=resolver, dialer=dialer))
    # The fetcher's early check sees the public answer; the transport's own lookup, the one
    # the connection would use, sees the metadata address and refuses before dialling.
    fetcher = Fetcher(client, POLICY, resolver=resolver)
    with pytest.raises(PermanentSourceError, match=r"169\.254\.169\.254") as caught:
        fetcher.fetch(FetchRequest(url="https://api.example.org/v1"))
    assert caught.value.url == "https://api.example.org/v1"
    assert dialer.log["dialled"] == []


def test_unresolvable_name_at_connect_time_is_retryable() -> None:
    def resolver(_host: str, _port: int) -> list[str]:
        raise OSError("Name or service not known")

    transport = PinnedTransport(POLICY, resolver=resolver, dialer=_RecordingDialer())
    fetcher = Fetcher(httpx.Client(transport=transport), POLICY, resolver=lambda h, p: [PUBLIC_V4])
    with pytest.raises(RetryableSourceError, match="cannot resolve host 'api.example.org'"):
        fetcher.fetch(FetchRequest(url="https://api.example.org/v1"))


@pytest.fixture
def loopback() -> Iterator[tuple[int, list[str]]]:
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            hosts.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1], hosts
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_a_real_connection_uses_the_injected_resolution(loopback: tuple[int, list[str]]) -> None:
    port, hosts = loopback
    # .test never resolves in DNS: reaching the server proves the socket went to the address
    # the resolver gave (loopback, allowed here only because the policy names the host).
    policy = POLICY.model_copy(update={"allowed_hosts": frozenset({f"api.rebind.test:{port}"})})
    resolver = _Rebinding(["127.0.0.1"])
    fetcher = Fetcher(make_client(policy, resolver=resolver), policy, resolver=resolver)
    evidence = fetcher.fetch(FetchRequest(url=f"http://api.rebind.test:{port}/x"))
    assert evidence.raw == b"{}" and hosts == [f"api.rebind.test:{port}"]


@pytest.mark.parametrize(
    ("first", "location", "kept"),
    [
        ("https://api.example.org/a", "http://api.example.org/b", False),  # downgrade
        ("https://api.example.org/a", "https://cdn.example.net/b", False),  # other host
        ("https://api.example.org/a", "https://api.example.org:8443/b", False),  # other port
        ("https://api.example.org/a", "/b", True),  # same origin
    ],
)
def test_credentials_follow_only_a_same_origin_redirect(
    first: str, location: str, kept: bool
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/a":
            return httpx.Response(302, headers={"Location": location})
        if request.url.path == "/b":
            return httpx.Response(302, headers={"Location": "https://api.example.org/c"})
        return httpx.Response(200, content=b"{}")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    fetcher = Fetcher(client, POLICY, resolver=lambda _h, _p: [PUBLIC_V4])
    request = FetchRequest(url=first).with_secrets(
        params=[("api_key", "k")], headers=[("Authorization", "Token t")]
    )
    fetcher.fetch(request)
    assert [r.url.path for r in seen] == ["/a", "/b", "/c"]
    assert seen[0].headers["authorization"] == "Token t"
    carried = ["authorization" in r.headers for r in seen[1:]]
    # Once dropped, never restored: even a hop back to the first origin goes without them.
    assert carried == ([True, True] if kept else [False, False])
